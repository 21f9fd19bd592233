// The four backends as the contract suite sees them: each starts its own server (etcd, ZooKeeper,
// the test kube-apiserver; the Raft mesh needs none) and makes fresh elections of in-process
// members on it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { testLogger } from '../../../lab/test-logger.js';
import type { BackendName, ElectionBackend } from '../../../src/backends/backend.js';
import { createEtcdBackend } from '../../../src/backends/etcd/etcd-backend.js';
import { createLeaseBackend } from '../../../src/backends/kubernetes/lease-backend.js';
import { createRaftBackend } from '../../../src/backends/raft/raft-backend.js';
import { createZooKeeperBackend } from '../../../src/backends/zookeeper/zookeeper-backend.js';
import type { ElectionEvent } from '../../../src/core/election-events.js';
import { seededRandom } from '../../../src/core/random.js';
import { createKubernetesApi } from '../../../src/kubernetes/api-client.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { freePorts } from '../../../lab/free-port.js';
import { startKubeApiServer, type KubeApiServer } from '../../../lab/kube-apiserver/index.js';
import { within } from '../../../lab/wait-for.js';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';

/** One member of an election under test, with what it reported. */
export interface ContractMember {
  readonly id: string;
  readonly backend: ElectionBackend;
  readonly events: ElectionEvent[];
  /** Every fencing token its onChange reported, in order. */
  readonly tokens: bigint[];
  readonly logs: string[];
  start(): Promise<void>;
  /** Aborts its start signal and waits until the backend has stopped. */
  stop(): Promise<void>;
}

export interface BackendUnderTest {
  readonly name: BackendName;
  /**
   * Candidates queue in the order they joined, and a graceful handover goes to the next in the
   * queue, which alone is woken (etcd's candidate keys, ZooKeeper's sequential znodes).
   */
  readonly isQueue: boolean;
  /** How long a lost leader (crash or cut) may take to be replaced, at most. */
  readonly failoverBoundMs: number;
  /**
   * members() lists every member of the election (the Lease backend only knows itself and the
   * holder the Lease names).
   */
  readonly listsEveryMember: boolean;
  /**
   * resign(signal, to) hands over to the member named (Raft's targeted transfer, the Lease's
   * handover, the queue backends' step-aside protocol; docs/handover.md).
   */
  readonly handsOverToNamed: boolean;
  /** The leader hands over to a member of higher `--priority` after its window (issue 17). */
  readonly preemptsByPriority: boolean;
  /**
   * Whether `member` has its watch on the leader in place, so the leader's going cannot be
   * missed. Queue backends only; etcd watches from a revision and replays what it missed, so
   * there it is in place from the start.
   */
  readonly isWatchingLeader?: (member: ContractMember) => boolean;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /**
   * A fresh election of `count` members, none started. `wrap`, for the suite's own mutation
   * tests, puts a deliberately broken layer around each member's backend.
   */
  election(
    count: number,
    wrap?: BackendWrapper,
    tuning?: ElectionTuning,
  ): Promise<ContractMember[]>;
}

/** Settings a check may change for one election; each backend ignores what it lacks. */
export interface ElectionTuning {
  /** How often queue members (etcd, ZooKeeper) re-read the queue besides their watches. */
  readonly rereadIntervalMs?: number;
  /** Each member's `--priority`, by index (0 for those left out). */
  readonly priorities?: readonly number[];
  readonly priorityHandoverDelayMs?: number;
}

export type BackendWrapper = (backend: ElectionBackend) => ElectionBackend;

type Factory = (
  id: string,
  index: number,
  tools: { observe: (event: ElectionEvent) => void; logger: Logger },
) => ElectionBackend;

let serial = 0;

function membersOf(
  count: number,
  wrap: BackendWrapper | undefined,
  factory: Factory,
): ContractMember[] {
  serial += 1;
  return Array.from({ length: count }, (_unused, index) => {
    const id = `c${serial}-m${index}`;
    const events: ElectionEvent[] = [];
    const tokens: bigint[] = [];
    const logs: string[] = [];
    const logger = testLogger(id, { level: 'debug', base: { member: id } }, (line) => {
      logs.push(line);
      if (logs.length > 2000) logs.splice(0, 1000);
    });
    const made = factory(id, index, {
      observe: (event) => {
        events.push(event);
      },
      logger,
    });
    const backend = wrap === undefined ? made : wrap(made);
    backend.onChange((state) => {
      tokens.push(state.fencingToken);
    });
    const controller = new AbortController();
    return {
      id,
      backend,
      events,
      tokens,
      logs,
      start: () => backend.start(controller.signal),
      async stop() {
        controller.abort(new Error(`${id} stopped by the contract suite`));
        await within(backend.stopped(), 15_000, `${id} to stop`);
      },
    };
  });
}

function rereadOf(tuning: ElectionTuning): { refreshIntervalMs?: number } {
  return tuning.rereadIntervalMs === undefined
    ? {}
    : { refreshIntervalMs: tuning.rereadIntervalMs };
}

/** The priority settings of member `index` (queue backends). */
function priorityOf(
  tuning: ElectionTuning,
  index: number,
): { priority: number; priorityHandoverDelayMs?: number } {
  return {
    priority: tuning.priorities?.[index] ?? 0,
    ...(tuning.priorityHandoverDelayMs === undefined
      ? {}
      : { priorityHandoverDelayMs: tuning.priorityHandoverDelayMs }),
  };
}

function raftBackend(): BackendUnderTest {
  let directory = '';
  return {
    name: 'raft',
    isQueue: false,
    failoverBoundMs: 10_000,
    listsEveryMember: true,
    handsOverToNamed: true,
    preemptsByPriority: false,
    async setUp() {
      directory = await mkdtemp(join(tmpdir(), 'elector-contract-raft-'));
    },
    async tearDown() {
      await rm(directory, { recursive: true, force: true });
    },
    async election(count, wrap) {
      const ports = await freePorts(count);
      const secret = randomBytes(24);
      const prefix = `c${serial + 1}-m`;
      const ids = Array.from({ length: count }, (_unused, index) => `${prefix}${index}`);
      const portOf = (id: string): number => ports[ids.indexOf(id)] ?? 0;
      return membersOf(count, wrap, (id, index, tools) =>
        createRaftBackend({
          config: {
            id,
            members: ids,
            heartbeatIntervalMs: 50,
            electionTimeoutMs: 300,
            maxClockDrift: 0.05,
          },
          stateDir: join(directory, id),
          listenHost: '127.0.0.1',
          listenPort: portOf(id),
          resolvePeer: (peer) => Promise.resolve({ host: '127.0.0.1', port: portOf(peer) }),
          httpAddressOf: (peer) => `127.0.0.1:${portOf(peer)}`,
          secret,
          clock: systemClock,
          random: seededRandom(1000 + index),
          ...tools,
        }),
      );
    },
  };
}

function etcdBackend(): BackendUnderTest {
  let etcd: EtcdCluster | null = null;
  return {
    name: 'etcd',
    isQueue: true,
    failoverBoundMs: 10_000,
    listsEveryMember: true,
    handsOverToNamed: true,
    preemptsByPriority: true,
    isWatchingLeader: () => true,
    async setUp() {
      etcd = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
    },
    async tearDown() {
      await etcd?.stop();
    },
    election(count, wrap, tuning = {}) {
      const endpoints = etcd?.endpoints ?? [];
      const electionName = `contract-${serial + 1}`;
      return Promise.resolve(
        membersOf(count, wrap, (id, index, tools) =>
          createEtcdBackend({
            memberId: id,
            address: `127.0.0.1:${9000 + index}`,
            endpoints,
            electionName,
            leaseTtlSeconds: 2,
            retryMaxDelayMs: 500,
            ...rereadOf(tuning),
            ...priorityOf(tuning, index),
            clock: systemClock,
            random: seededRandom(2000 + index),
            ...tools,
          }),
        ),
      );
    },
  };
}

function zookeeperBackend(): BackendUnderTest {
  let zookeeper: ZooKeeperCluster | null = null;
  return {
    name: 'zookeeper',
    isQueue: true,
    failoverBoundMs: 10_000,
    listsEveryMember: true,
    handsOverToNamed: true,
    preemptsByPriority: true,
    isWatchingLeader: (member) =>
      member.logs.some((line) => line.includes('"event":"leader.watched"')),
    async setUp() {
      zookeeper = await startZooKeeper({ tickTimeMs: 200 });
    },
    async tearDown() {
      await zookeeper?.stop();
    },
    election(count, wrap, tuning = {}) {
      const connectString = zookeeper?.connectString ?? '';
      const electionName = `/elector/contract-${serial + 1}`;
      return Promise.resolve(
        membersOf(count, wrap, (id, index, tools) =>
          createZooKeeperBackend({
            memberId: id,
            address: `127.0.0.1:${9000 + index}`,
            connectString,
            electionName,
            sessionTimeoutMs: 2000,
            ...rereadOf(tuning),
            ...priorityOf(tuning, index),
            clock: systemClock,
            random: seededRandom(3000 + index),
            ...tools,
          }),
        ),
      );
    },
  };
}

function leaseBackend(): BackendUnderTest {
  let server: KubeApiServer | null = null;
  let directory = '';
  return {
    name: 'kubernetes',
    isQueue: false,
    failoverBoundMs: 10_000,
    listsEveryMember: false,
    handsOverToNamed: true,
    preemptsByPriority: false,
    async setUp() {
      server = await startKubeApiServer();
      directory = await mkdtemp(join(tmpdir(), 'elector-contract-lease-'));
    },
    async tearDown() {
      await server?.close();
      await rm(directory, { recursive: true, force: true });
    },
    async election(count, wrap) {
      const kubeconfig = join(directory, `kubeconfig-${serial + 1}`);
      await server?.writeKubeconfig(kubeconfig, {});
      const leaseName = `contract-${serial + 1}`;
      return membersOf(count, wrap, (id, index, tools) =>
        createLeaseBackend({
          memberId: id,
          address: `127.0.0.1:${9000 + index}`,
          api: createKubernetesApi({
            source: { kind: 'kubeconfig', path: kubeconfig },
            requestTimeoutMs: 1000,
          }),
          namespace: 'default',
          leaseName,
          leaseDurationMs: 1500,
          renewDeadlineMs: 1000,
          retryPeriodMs: 200,
          clock: systemClock,
          random: seededRandom(4000 + index),
          ...tools,
        }),
      );
    },
  };
}

/** Every backend the contract is run over. */
export const backendsUnderTest: readonly BackendUnderTest[] = [
  raftBackend(),
  etcdBackend(),
  zookeeperBackend(),
  leaseBackend(),
];
