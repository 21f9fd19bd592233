// The project's test apiserver driven by the real kubectl: apply what helm rendered, read it
// back as JSON. Also builds dist/ when it is missing, since the pods run the built CLI.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { repositoryRoot } from '../../../lab/helm.js';
import { startKubeApiServer, type KubeApiServer } from '../../../lab/kube-apiserver/index.js';
import { kubectlFor, writeManifest, type Kubectl } from '../kube-apiserver/kubectl.js';

export const cliPath = join(repositoryRoot, 'dist', 'cli.js');

/** Runs `npm run build` when dist/cli.js is missing; rejects with the build output on failure. */
export async function ensureBuiltCli(): Promise<void> {
  if (existsSync(cliPath)) return;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: 'pipe' });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(text);
      else reject(new Error(`npm run build exited ${String(code)}:\n${text}`));
    });
  });
  if (!existsSync(cliPath)) throw new Error(`npm run build did not write ${cliPath}:\n${output}`);
}

export interface TestCluster {
  readonly server: KubeApiServer;
  readonly kubectl: Kubectl;
  readonly directory: string;
  /** Creates a namespace with `kubectl apply`. */
  createNamespace(name: string): Promise<void>;
  /**
   * `kubectl apply -f` of `yaml` in `namespace`; resolves with what kubectl reports, as
   * "kind.group/name created" lines (e.g. "statefulset.apps/elector created").
   */
  apply(namespace: string, yaml: string): Promise<string[]>;
  /** `kubectl get ... -o json` in `namespace`, parsed with `schema`. */
  get<T extends z.ZodType>(
    schema: T,
    namespace: string,
    args: readonly string[],
  ): Promise<z.infer<T>>;
  close(): Promise<void>;
}

/** Starts a test apiserver over HTTPS (kubectl sends bearer tokens only to TLS servers). */
export async function startTestCluster(): Promise<TestCluster> {
  const server = await startKubeApiServer({ tls: true });
  const directory = await mkdtemp(join(tmpdir(), 'elector-helm-cluster-'));
  const kubectl = await kubectlFor(server, join(directory, 'admin'));
  let manifests = 0;
  return {
    server,
    kubectl,
    directory,
    async createNamespace(name) {
      const path = await writeManifest(
        directory,
        `namespace-${name}.yaml`,
        `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`,
      );
      await kubectl.ok(['apply', '-f', path]);
    },
    async apply(namespace, yaml) {
      manifests += 1;
      const path = await writeManifest(directory, `rendered-${manifests}.yaml`, yaml);
      const output = await kubectl.ok(['apply', '--namespace', namespace, '-f', path]);
      return output
        .trim()
        .split('\n')
        .filter((line) => line !== '');
    },
    async get(schema, namespace, args) {
      const text = await kubectl.ok(['get', '--namespace', namespace, ...args, '-o', 'json']);
      return schema.parse(JSON.parse(text));
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
