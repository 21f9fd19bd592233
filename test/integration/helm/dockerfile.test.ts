// The Dockerfile cannot be built here (no Docker engine), so: a maintained Dockerfile linter
// (dockerfile-utils, the validator behind VS Code's Docker support) checks it, its structure is
// checked against what the issue asks, and the image's own command runs against the built dist/.
// The multi-member SIGTERM handover with that command is in statefulset.test.ts (and
// test/e2e/election.test.ts); here a single member shows the exit code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startChild } from '../../../lab/child.js';
import { freePorts } from '../../../lab/free-port.js';
import { repositoryRoot } from '../../../lab/helm.js';
import { waitFor } from '../../../lab/wait-for.js';
import { ensureBuiltCli } from './cluster.js';
import {
  containerProcess,
  dockerfilePath,
  readDockerfile,
  shippedImageConfig,
} from './image-config.js';

const packageJson = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
};

/** The dockerfile-utils CLI (a devDependency), or an error saying how to get it. */
function dockerfileUtilsCli(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('dockerfile-utils/package.json');
  } catch (error) {
    throw new Error('dockerfile-utils is not installed: it is a devDependency; run npm ci', {
      cause: error,
    });
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['dockerfile-utils'] ?? 'bin/dockerfile-utils');
}

describe('the Dockerfile and the image it builds', () => {
  before(async () => {
    await ensureBuiltCli();
  });

  test('dockerfile-utils lint reports nothing for the Dockerfile', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      dockerfileUtilsCli(),
      'lint',
      '--json',
      dockerfilePath,
    ]).catch((error: unknown) => {
      const failed = error as { stdout?: string; message: string };
      throw new Error(`dockerfile-utils lint failed: ${failed.stdout ?? failed.message}`, {
        cause: error,
      });
    });
    assert.deepEqual(JSON.parse(stdout), []);
  });

  test('a build stage with dev dependencies feeds a runtime stage with production dependencies only, both on a maintained Node.js LTS pinned by digest', () => {
    const stages = readDockerfile();
    assert.deepEqual(
      stages.map((stage) => stage.name),
      ['build', 'runtime'],
    );
    const [build, runtime] = stages.map((stage) => stage.from);
    assert.equal(build, runtime, 'both stages on the same base, so dist/ is built for the runtime');
    const base = /^node:(\d+)-(bookworm|trixie)-slim@sha256:[0-9a-f]{64}$/.exec(runtime ?? '');
    assert.ok(base, `a Debian slim Node.js image pinned by digest; got ${runtime}`);
    assert.ok(
      ['22', '24'].includes(base[1] ?? ''),
      `a maintained LTS (22 or 24; 20 reached its end of life in April 2026); got node ${base[1]}`,
    );
    const labels = shippedImageConfig().labels;
    assert.equal(
      `${labels.get('org.opencontainers.image.base.name')}@${labels.get('org.opencontainers.image.base.digest')}`,
      `docker.io/library/${runtime}`,
      'the OCI base labels name the same image',
    );
    const runs = (index: number): string[] =>
      (stages[index]?.instructions ?? [])
        .filter((instruction) => instruction.keyword === 'RUN')
        .map((instruction) => instruction.text);
    assert.ok(runs(0).some((run) => /^npm ci\b/.test(run) && !run.includes('--omit=dev')));
    assert.ok(runs(0).includes('npm run build'));
    assert.ok(runs(1).some((run) => /^npm ci --omit=dev\b/.test(run)));
    const copies = (stages[1]?.instructions ?? [])
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.text);
    assert.ok(copies.includes('--from=build /app/dist ./dist'));
  });

  test('the image runs node dist/cli.js run as a numeric non-root user, exposes the HTTP and peer ports and has OCI labels', async () => {
    const image = shippedImageConfig();
    assert.deepEqual(image.entrypoint, ['node', 'dist/cli.js']);
    assert.deepEqual(image.cmd, ['run']);
    assert.equal(image.workdir, '/app');
    assert.match(image.user, /^[1-9]\d*:\d+$/, 'a numeric, non-zero user (runAsNonRoot checks it)');
    const { stdout: help } = await promisify(execFile)(process.execPath, [
      join(repositoryRoot, 'dist', 'cli.js'),
      'run',
      '--help',
    ]);
    const httpPort = Number(/--http-port[^\n]*\n[^\n]*\(default (\d+)\)/.exec(help)?.[1]);
    const peerPort = Number(/--peer-port[^\n]*\n[^\n]*\(default (\d+)\)/.exec(help)?.[1]);
    assert.deepEqual(image.exposedPorts, [httpPort, peerPort]);
    assert.equal(image.labels.get('org.opencontainers.image.title'), 'elector');
    assert.equal(image.labels.get('org.opencontainers.image.licenses'), packageJson.license);
    assert.equal(image.labels.get('org.opencontainers.image.version'), '${VERSION}');
    assert.match(
      await readFile(dockerfilePath, 'utf8'),
      new RegExp(`ARG VERSION=${packageJson.version.replaceAll('.', '\\.')}\\n`),
    );
    assert.ok((image.labels.get('org.opencontainers.image.description') ?? '').length > 20);
  });

  test('nothing the image copies can switch on the lease-ignoring test build', async () => {
    // What the runtime stage copies: the build context's files, and dist/ from the build stage.
    const copied = (readDockerfile()[1]?.instructions ?? [])
      .filter((instruction) => instruction.keyword === 'COPY')
      .flatMap((instruction) => {
        const parts = instruction.text.split(/\s+/);
        const sources = parts.slice(0, -1).filter((part) => !part.startsWith('--'));
        return instruction.text.startsWith('--from=build')
          ? sources.map((source) => source.replace(/^\/app\//, ''))
          : sources;
      });
    assert.ok(copied.includes('dist'), `the runtime stage copies dist/; got ${copied.join(', ')}`);
    const files = (
      await Promise.all(
        copied.map(async (source) => {
          const path = join(repositoryRoot, source);
          return (await stat(path)).isDirectory()
            ? (await readdir(path, { recursive: true }))
                .map((entry) => join(path, entry))
                .filter((entry) => statSync(entry).isFile())
            : [path];
        }),
      )
    ).flat();
    assert.ok(files.length > 20, `the built dist/ is there; found ${files.length} files`);
    const switches = /TEST_UNSAFE|ignore-lease|unsafe\.test-mutation|StickyLeadership/;
    const offenders = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const hits = text
        .split('\n')
        .filter((line) => switches.test(line))
        .map((line) => `${relative(repositoryRoot, file)}: ${line.trim()}`);
      offenders.push(...hits);
    }
    assert.deepEqual(offenders, [], 'no shipped file mentions or reads the unsafe switch');
  });

  test('.dockerignore lets through exactly the files the build stages copy', async () => {
    const ignore = (await readFile(join(repositoryRoot, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    assert.equal(ignore[0], '*', 'everything is excluded first');
    const allowed = ignore.slice(1).map((line) => line.replace(/^!/, '').replace(/\/$/, ''));
    const copied = readDockerfile()
      .flatMap((stage) => stage.instructions)
      .filter(
        (instruction) => instruction.keyword === 'COPY' && !instruction.text.startsWith('--from'),
      )
      .flatMap((instruction) => instruction.text.split(/\s+/).slice(0, -1));
    assert.deepEqual([...new Set(copied)].sort(), [...allowed].sort());
  });

  test("the image's command runs the built CLI: --version, and a member that exits 0 on SIGTERM", async () => {
    const image = shippedImageConfig();
    const execute = promisify(execFile);
    const version = containerProcess(image, { args: ['--version'] });
    const { stdout } = await execute(version.file, [...version.args], { cwd: repositoryRoot });
    assert.equal(stdout.trim(), packageJson.version);

    const directory = await mkdtemp(join(tmpdir(), 'elector-image-'));
    const [httpPort = 0, peerPort = 0] = await freePorts(2);
    const run = containerProcess(image, {});
    const child = startChild(run.file, [...run.args], {
      cwd: repositoryRoot,
      env: {
        PATH: process.env.PATH ?? '',
        ...Object.fromEntries(image.env),
        ELECTOR_ID: 'solo-0',
        ELECTOR_HTTP_HOST: '127.0.0.1',
        ELECTOR_HTTP_PORT: String(httpPort),
        ELECTOR_PEER_HOST: '127.0.0.1',
        ELECTOR_PEER_PORT: String(peerPort),
        ELECTOR_STATE_DIR: join(directory, 'state'),
      },
    });
    try {
      await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${httpPort}/role/leader`);
          return response.status === 200;
        },
        { timeoutMs: 30_000, what: 'the single member to lead' },
      );
      assert.equal(await child.kill('SIGTERM'), 0, child.output());
    } finally {
      await child.kill('SIGKILL');
      await rm(directory, { recursive: true, force: true });
    }
  });
});
