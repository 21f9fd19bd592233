import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../lab/etcd-server.js';
import { startKubeApiServer } from '../lab/kube-apiserver/index.js';
import type { ClusterOptions } from '../lab/sidecar-cluster.js';
import { startZooKeeper } from '../lab/zookeeper-server.js';

export interface Variant {
  /** Extra fields of the scenario line (timings). */
  readonly fields: Record<string, number>;
  readonly clusterOptions: Partial<ClusterOptions>;
}

export interface Infrastructure {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export interface BackendSetup {
  readonly name: 'raft' | 'etcd' | 'zookeeper' | 'kubernetes';
  readonly variants: readonly Variant[];
  start(variant: Variant): Promise<Infrastructure>;
}

const nothing: Infrastructure = { env: {}, stop: () => Promise.resolve() };

export const backendSetups: Readonly<Record<string, BackendSetup>> = {
  raft: {
    name: 'raft',
    variants: [
      {
        fields: { heartbeat_ms: 100, election_timeout_ms: 500 },
        clusterOptions: { heartbeat: '100ms', electionTimeout: '500ms' },
      },
      {
        fields: { heartbeat_ms: 100, election_timeout_ms: 1000 },
        clusterOptions: { heartbeat: '100ms', electionTimeout: '1000ms' },
      },
    ],
    start: () => Promise.resolve(nothing),
  },
  etcd: {
    name: 'etcd',
    variants: [{ fields: { lease_ttl_ms: 2000 }, clusterOptions: {} }],
    async start() {
      const etcd = await startEtcd({ members: 1 });
      return {
        env: { ELECTOR_ETCD_ENDPOINTS: etcd.endpoints.join(','), ELECTOR_ETCD_LEASE_TTL: '2s' },
        stop: () => etcd.stop(),
      };
    },
  },
  zookeeper: {
    name: 'zookeeper',
    variants: [{ fields: { session_timeout_ms: 2000 }, clusterOptions: {} }],
    async start() {
      const zookeeper = await startZooKeeper({ size: 1, tickTimeMs: 200 });
      return {
        env: {
          ELECTOR_ZOOKEEPER_CONNECT: zookeeper.connectString,
          ELECTOR_ZOOKEEPER_SESSION_TIMEOUT: '2s',
        },
        stop: () => zookeeper.stop(),
      };
    },
  },
  kubernetes: {
    name: 'kubernetes',
    variants: [
      {
        fields: { lease_duration_ms: 2000, renew_deadline_ms: 1500, retry_period_ms: 300 },
        clusterOptions: {},
      },
    ],
    async start() {
      const apiserver = await startKubeApiServer();
      const directory = mkdtempSync(join(tmpdir(), 'elector-bench-kube-'));
      const kubeconfig = join(directory, 'kubeconfig');
      await apiserver.writeKubeconfig(kubeconfig, { namespace: 'default' });
      return {
        env: {
          ELECTOR_KUBECONFIG: kubeconfig,
          ELECTOR_NAMESPACE: 'default',
          ELECTOR_POD_LABELS: 'false',
          ELECTOR_LEASE_DURATION: '2s',
          ELECTOR_LEASE_RENEW_DEADLINE: '1500ms',
          ELECTOR_LEASE_RETRY_PERIOD: '300ms',
        },
        async stop() {
          await apiserver.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  },
};
