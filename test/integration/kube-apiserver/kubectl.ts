// Runs the real kubectl against a test apiserver, with its own kubeconfig and discovery cache.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild } from '../../../lab/child.js';
import type { KubeApiServer, KubeconfigOptions } from '../../../lab/kube-apiserver/index.js';

/** What one kubectl run printed and how it exited. */
interface KubectlResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl with a fixed kubeconfig; `run` resolves when the process has exited. */
export interface Kubectl {
  readonly kubeconfig: string;
  run(args: readonly string[]): Promise<KubectlResult>;
  /** Like run, but throws (with kubectl's output) unless kubectl exits 0. */
  ok(args: readonly string[]): Promise<string>;
}

/** Writes a kubeconfig for `server` under `directory` and returns a runner that uses it. */
export async function kubectlFor(
  server: KubeApiServer,
  directory: string,
  options: KubeconfigOptions = {},
): Promise<Kubectl> {
  await mkdir(directory, { recursive: true });
  const kubeconfig = join(directory, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig, options);
  const cacheDir = join(directory, 'cache');
  const run = async (args: readonly string[]): Promise<KubectlResult> => {
    const child = startChild(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
      {
        env: { ...process.env, HOME: directory },
      },
    );
    let stdout = '';
    let stderr = '';
    child.process.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.process.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // 'exit' can come before the pipes are drained; wait for both to end as well.
    const drained = [child.process.stdout, child.process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream === null || stream.readableEnded) resolve();
          else stream.once('close', resolve);
        }),
    );
    const code = await child.exited;
    await Promise.all(drained);
    return { code, stdout, stderr };
  };
  return {
    kubeconfig,
    run,
    async ok(args) {
      const result = await run(args);
      if (result.code !== 0) {
        throw new Error(
          `kubectl ${args.join(' ')} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`,
        );
      }
      return result.stdout;
    },
  };
}

/** Writes `text` to `directory/name` and returns the path (for kubectl -f). */
export async function writeManifest(
  directory: string,
  name: string,
  text: string,
): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}
