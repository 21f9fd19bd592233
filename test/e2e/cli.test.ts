import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startChild } from '../../lab/child.js';
import { freePorts } from '../../lab/free-port.js';
import { cliPath } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

const directory = mkdtempSync(join(tmpdir(), 'elector-cli-'));
after(() => {
  rmSync(directory, { recursive: true, force: true });
});

async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | string; output: string }> {
  const child = startChild(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const code = await child.exited;
  return { code, output: child.output() };
}

test('a wrong flag value exits 2 naming the flag, the value and the accepted values', async () => {
  const { code, output } = await runCli(['run', '--id', 'a', '--backend', 'etc']);
  assert.equal(code, 2);
  assert.match(output, /--backend: expected one of raft, etcd, zookeeper, kubernetes; got "etc"/);
});

test('a wrong environment variable is named as such', async () => {
  const { code, output } = await runCli(['run', '--id', 'a'], {
    ELECTOR_HEARTBEAT_INTERVAL: 'fast',
  });
  assert.equal(code, 2);
  assert.match(
    output,
    /ELECTOR_HEARTBEAT_INTERVAL: expected a duration such as 500ms, 5s, 1m30s or 1h \(.*\); got "fast"/,
  );
});

test('an unknown flag is refused with a suggestion', async () => {
  const { code, output } = await runCli(['run', '--id', 'a', '--election-timout', '1s']);
  assert.equal(code, 2);
  assert.match(output, /--election-timout: unknown flag \(did you mean --election-timeout\?\)/);
});

test('an even cluster size and timing that breaks the rules are refused together', async () => {
  const { code, output } = await runCli([
    'run',
    '--id',
    'a',
    '--members',
    'a,b',
    '--heartbeat-interval',
    '300ms',
    '--cluster-secret',
    'x'.repeat(20),
  ]);
  assert.equal(code, 2);
  assert.match(output, /--members: expected 1, 3, 5, 7 members/);
  assert.match(
    output,
    /electionTimeout|--election-timeout: expected at least 3 × heartbeatIntervalMs/,
  );
});

test('a corrupt state file stops the process with STATE_CORRUPT instead of starting at term 0', async () => {
  const stateDir = join(directory, 'corrupt');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, 'raft-state.json'), '{"version":1,"term":7,');
  const [httpPort, peerPort] = await freePorts(2);
  const { code, output } = await runCli([
    'run',
    '--id',
    'a',
    '--state-dir',
    stateDir,
    '--http-port',
    String(httpPort),
    '--peer-port',
    String(peerPort),
    '--http-host',
    '127.0.0.1',
  ]);
  assert.equal(code, 1);
  assert.match(output, /STATE_CORRUPT/);
  assert.match(output, /raft-state\.json/);
});

test('--help documents every flag with its environment variable', async () => {
  const { code, output } = await runCli(['run', '--help']);
  assert.equal(code, 0);
  for (const name of [
    '--backend',
    '--members',
    '--cluster-secret-file',
    '--election-timeout',
    'ELECTOR_ID',
    'ELECTOR_PEERS',
  ]) {
    assert.ok(output.includes(name), `--help lacks ${name}`);
  }
});

test('a single member elects itself and `elector status` prints the table', async () => {
  const [httpPort, peerPort] = await freePorts(2);
  const child = startChild(
    process.execPath,
    [
      cliPath,
      'run',
      '--id',
      'solo',
      '--state-dir',
      join(directory, 'solo'),
      '--http-host',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--peer-port',
      String(peerPort),
      '--peer-host',
      '127.0.0.1',
    ],
    {
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  try {
    const output = await waitFor(
      async () => {
        const status = await runCli(['status', '--url', `http://127.0.0.1:${httpPort}`]);
        return status.code === 0 && /solo\s+leader/.test(status.output) ? status.output : undefined;
      },
      { timeoutMs: 30_000, what: '`elector status` to show solo as leader' },
    );
    assert.match(output, /MEMBER\s+ROLE\s+PRIORITY\s+RANK\s+TERM/);
    assert.match(output, /solo\s+leader\s+0\s+0\s+1\s/);
    assert.match(output, /member set: v1 \[solo\]; this member is voter/);
  } finally {
    await child.kill('SIGTERM');
  }
});

test('-v and --version print the package version', async () => {
  const { version } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  for (const flag of ['-v', '--version']) {
    const { code, output } = await runCli([flag]);
    assert.equal(code, 0);
    assert.equal(output, `${version}\n`);
  }
});

test('a flag given twice exits 2 naming it and both values', async () => {
  const { code, output } = await runCli([
    ...['run', '--id', 'a', '--election-timeout', '1s', '--election-timeout', '1m30s'],
  ]);
  assert.equal(code, 2);
  assert.match(output, /--election-timeout: given twice \("1s" and "1m30s"\); give it once/);
});

test('`elector status` against nothing exits 1 naming the URL and "connection refused"', async () => {
  const [port] = await freePorts(1);
  const { code, output } = await runCli(['status', '--url', `http://127.0.0.1:${port}`]);
  assert.equal(code, 1);
  assert.match(
    output,
    new RegExp(
      `SIDECAR_UNREACHABLE:\\n  GET http://127\\.0\\.0\\.1:${port}/cluster/status: connection refused`,
    ),
  );
  assert.doesNotMatch(output, /BACKEND_UNAVAILABLE/);
});

test('a misspelt ELECTOR_ variable is logged as a warning naming the nearest setting, and a Go duration and a bare boolean flag are taken', async () => {
  const [httpPort, peerPort] = await freePorts(2);
  const child = startChild(
    process.execPath,
    [
      ...[cliPath, 'run', '--id', 'solo', '--state-dir', join(directory, 'warn')],
      ...['--http-host', '127.0.0.1', '--http-port', String(httpPort)],
      ...['--peer-host', '127.0.0.1', '--peer-port', String(peerPort)],
      ...['--shutdown-timeout', '1m0.5s', '--pod-events', '--pod-labels=false'],
    ],
    { env: { PATH: process.env.PATH ?? '', ELECTOR_ELECTON_TIMEOUT: '1s' } },
  );
  try {
    const line = await waitFor(
      () =>
        child
          .output()
          .split('\n')
          .find((text) => text.includes('"config.unknown-variable"')),
      { timeoutMs: 20_000, what: 'the unknown-variable warning' },
    );
    const entry = JSON.parse(line) as { level: number; msg: string };
    assert.equal(entry.level, 40, 'warn');
    assert.equal(
      entry.msg,
      'ELECTOR_ELECTON_TIMEOUT: not a setting elector knows, ignored (did you mean ELECTOR_ELECTION_TIMEOUT?)',
    );
  } finally {
    await child.kill('SIGTERM');
  }
});
