import { join } from 'node:path';
import { startEtcd } from '../etcd-server.js';
import { startKubeApiServer } from '../kube-apiserver/index.js';
import { writeKubeconfigFile } from '../kube-apiserver/kubeconfig.js';
import { startZooKeeper } from '../zookeeper-server.js';

const electionLabel = 'elector.io/election';
const roleLabel = 'elector.io/role';

export type ServerBackend = 'etcd' | 'zookeeper' | 'kubernetes';

/**
 * One backend server on loopback for a fault lab. Members never dial it directly: each reaches
 * it through its own proxy (see FaultMesh), so one member can be cut off from it alone.
 */
export interface BackendServer {
  readonly backend: ServerBackend;
  /** The loopback port the proxies forward to. */
  readonly port: number;
  /**
   * The backend's own failure-detection time (lease TTL, session timeout, Lease duration): the
   * T that fault durations and the recovery bound scale with.
   */
  readonly leaseMs: number;
  /** The environment that points member `index` at the server through `host:port`. */
  memberEnv(index: number, host: string, port: number): Promise<Record<string, string>>;
  /** SIGSTOP/SIGCONT of the server process; null when the server runs inside the test process. */
  readonly pause: (() => void) | null;
  readonly resume: (() => void) | null;
  /**
   * Kubernetes only (else null): each member's pod and its role label (null when unlabelled), as
   * the apiserver holds them now. The sidecars label their own pods and clear stale leader labels.
   */
  readonly roleLabels: (() => Record<string, string | null>) | null;
  logs(): string;
  stop(): Promise<void>;
}

export interface BackendServerOptions {
  readonly backend: ServerBackend;
  /** Where per-member files (kubeconfigs) go. */
  readonly directory: string;
  /** Lease TTL, session timeout or Lease duration in ms (default 2000). */
  readonly leaseMs?: number;
}

function portOf(endpoint: string): number {
  const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in ${endpoint}`);
  return port;
}

/** Starts the server for `backend` with timings fit for a fault campaign. */
export async function startBackendServer(options: BackendServerOptions): Promise<BackendServer> {
  const leaseMs = options.leaseMs ?? 2000;
  switch (options.backend) {
    case 'etcd': {
      // etcd raises TTLs below 1.5 × its election timeout; 500 ms allows 1 s leases.
      const etcd = await startEtcd({ members: 1, heartbeatMs: 50, electionTimeoutMs: 500 });
      const member = etcd.members[0];
      const endpoint = etcd.endpoints[0];
      if (member === undefined || endpoint === undefined) throw new Error('etcd has no member');
      return {
        backend: 'etcd',
        port: portOf(endpoint),
        leaseMs,
        memberEnv: (_index, host, port) =>
          Promise.resolve({
            ELECTOR_BACKEND: 'etcd',
            ELECTOR_ETCD_ENDPOINTS: `${host}:${port}`,
            ELECTOR_ETCD_LEASE_TTL: `${leaseMs}ms`,
          }),
        pause: () => {
          member.pause();
        },
        resume: () => {
          member.resume();
        },
        roleLabels: null,
        logs: () => etcd.logs(),
        stop: () => etcd.stop(),
      };
    }
    case 'zookeeper': {
      // Session timeouts must lie within 2..20 ticks.
      const zookeeper = await startZooKeeper({ size: 1, tickTimeMs: 100 });
      const server = zookeeper.servers[0];
      if (server === undefined) throw new Error('ZooKeeper has no server');
      return {
        backend: 'zookeeper',
        port: server.clientPort,
        leaseMs,
        memberEnv: (_index, host, port) =>
          Promise.resolve({
            ELECTOR_BACKEND: 'zookeeper',
            ELECTOR_ZOOKEEPER_CONNECT: `${host}:${port}`,
            ELECTOR_ZOOKEEPER_SESSION_TIMEOUT: `${leaseMs}ms`,
          }),
        pause: () => {
          process.kill(server.pid, 'SIGSTOP');
        },
        resume: () => {
          process.kill(server.pid, 'SIGCONT');
        },
        roleLabels: null,
        logs: () => zookeeper.logTail(200),
        stop: () => zookeeper.stop(),
      };
    }
    case 'kubernetes': {
      const apiserver = await startKubeApiServer();
      const pods: string[] = [];
      return {
        backend: 'kubernetes',
        port: portOf(apiserver.url),
        leaseMs,
        async memberEnv(index, host, port) {
          const pod = `member-${index}`;
          apiserver.put({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: pod,
              namespace: 'default',
              labels: { app: 'faults', [electionLabel]: 'faults' },
            },
            spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
          });
          apiserver.setPodPhase('default', pod, 'Running');
          pods.push(pod);
          const kubeconfig = join(options.directory, `kubeconfig-${index}`);
          await writeKubeconfigFile(kubeconfig, `http://${host}:${port}`, {
            namespace: 'default',
          });
          return {
            ELECTOR_BACKEND: 'kubernetes',
            ELECTOR_KUBECONFIG: kubeconfig,
            ELECTOR_NAMESPACE: 'default',
            ELECTOR_POD_NAME: pod,
            ELECTOR_POD_LABELS: 'true',
            ELECTOR_LEASE_DURATION: `${leaseMs}ms`,
            ELECTOR_LEASE_RENEW_DEADLINE: `${Math.round(leaseMs * 0.75)}ms`,
            ELECTOR_LEASE_RETRY_PERIOD: `${Math.round(leaseMs * 0.15)}ms`,
          };
        },
        pause: null,
        resume: null,
        roleLabels: () =>
          Object.fromEntries(
            pods.map((pod) => {
              const metadata = apiserver.get('pods', 'default', pod)?.metadata;
              const labels = (metadata as { labels?: Record<string, unknown> } | undefined)?.labels;
              const role = labels?.[roleLabel];
              return [pod, typeof role === 'string' ? role : null];
            }),
          ),
        logs: () => '(the test apiserver runs in the test process)',
        stop: () => apiserver.close(),
      };
    }
  }
}
