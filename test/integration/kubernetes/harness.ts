// Shared pieces of the Kubernetes integration tests: a test apiserver with a kubeconfig, the
// API client elector builds from it, pods, an in-memory log and an event recorder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { testLogger } from '../../../lab/test-logger.js';
import type { Leadership } from '../../../src/core/leadership.js';
import { createKubernetesApi, type KubernetesApi } from '../../../src/kubernetes/api-client.js';
import type {
  PodLabelWriter,
  PodLabelWriterOptions,
} from '../../../src/pod-labels/pod-label-options.js';
import { createPodLabelWriter } from '../../../src/pod-labels/pod-label-writer.js';
import type { PodSyncEvent } from '../../../src/pod-labels/pod-sync-events.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import {
  startKubeApiServer,
  type JsonObject,
  type KubeApiServer,
  type KubeApiServerOptions,
} from '../../../lab/kube-apiserver/index.js';

export interface Harness {
  readonly server: KubeApiServer;
  readonly directory: string;
  /** An API client from a kubeconfig with `token` (default: the admin's). */
  api(options?: {
    readonly token?: string;
    readonly requestTimeoutMs?: number;
  }): Promise<KubernetesApi>;
  close(): Promise<void>;
}

export async function startHarness(options: KubeApiServerOptions = {}): Promise<Harness> {
  const server = await startKubeApiServer(options);
  const directory = await mkdtemp(join(tmpdir(), 'elector-kubernetes-'));
  let count = 0;
  return {
    server,
    directory,
    async api(apiOptions = {}) {
      count += 1;
      const path = join(directory, `kubeconfig-${count}`);
      await server.writeKubeconfig(
        path,
        apiOptions.token === undefined ? {} : { token: apiOptions.token },
      );
      return createKubernetesApi({
        source: { kind: 'kubeconfig', path },
        ...(apiOptions.requestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: apiOptions.requestTimeoutMs }),
      });
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Creates a running pod of the election "orders" (as a StatefulSet template would label it). */
export function createPod(
  server: KubeApiServer,
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): void {
  server.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'orders', 'elector.io/election': 'orders', ...labels },
      annotations,
    },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  });
  server.setPodPhase('default', name, 'Running');
}

export function labelsOf(server: KubeApiServer, name: string): Record<string, unknown> {
  const metadata = server.get('pods', 'default', name)?.metadata as JsonObject | undefined;
  return (metadata?.labels as JsonObject | undefined) ?? {};
}

export function annotationsOf(server: KubeApiServer, name: string): Record<string, unknown> {
  const metadata = server.get('pods', 'default', name)?.metadata as JsonObject | undefined;
  return (metadata?.annotations as JsonObject | undefined) ?? {};
}

export function conditionOf(
  server: KubeApiServer,
  name: string,
  type: string,
): JsonObject | undefined {
  const status = server.get('pods', 'default', name)?.status as JsonObject | undefined;
  const conditions = (status?.conditions ?? []) as JsonObject[];
  return conditions.find((condition) => condition.type === type);
}

export function leading(fencingToken: bigint): Leadership {
  return { leader: 'web-0', fencingToken, isSelf: true, leaseExpiresAt: null };
}

export function following(fencingToken: bigint, leader: string | null = 'web-1'): Leadership {
  return { leader, fencingToken, isSelf: false, leaseExpiresAt: null };
}

/** A pino logger that keeps its JSON lines in memory; a line that is not strict JSON fails the test. */
export function memoryLogger(): {
  readonly logger: Logger;
  readonly lines: () => Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = testLogger('memory logger', { level: 'debug' }, (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger, lines: () => lines };
}

/** Keeps every event an observer is given. */
export function recorder<T>(): { readonly observe: (event: T) => void; readonly events: T[] } {
  const events: T[] = [];
  return { observe: (event) => events.push(event), events };
}

export interface RunningWriter {
  readonly writer: PodLabelWriter;
  readonly events: PodSyncEvent[];
  readonly lines: () => Record<string, unknown>[];
  readonly stop: () => Promise<void>;
}

/** A pod label writer for pod `podName` of election "orders", running until `stop()`, with fast retries. */
export function runWriter(
  api: KubernetesApi,
  podName: string,
  overrides: Partial<Omit<PodLabelWriterOptions, 'api' | 'podName'>> = {},
): RunningWriter {
  const { observe, events } = recorder<PodSyncEvent>();
  const { logger, lines } = memoryLogger();
  const writer = createPodLabelWriter({
    api,
    podName,
    namespace: 'default',
    electionName: 'orders',
    recordEvents: false,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    clock: systemClock,
    random: Math.random,
    observe,
    logger,
    ...overrides,
  });
  const controller = new AbortController();
  const running = writer.run(controller.signal);
  return {
    writer,
    events,
    lines,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}
