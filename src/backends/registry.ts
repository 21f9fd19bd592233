import type { Config } from '../config/schema.js';
import {
  defaultRoundTripMs,
  timingReport,
  type BackendTimingRule,
  type TimingReport,
} from '../config/timing-check.js';
import type { HealthTiming } from '../config/health-timing.js';
import type { BackendName } from '../core/backend-name.js';
import type { ElectionBackend } from './backend.js';
import type { BackendRuntime } from './backend-runtime.js';
import { etcdFromConfig } from './etcd/config.js';
import { etcdTiming } from './etcd/timing.js';
import { leaseFromConfig } from './kubernetes/config.js';
import { leaseTiming } from './kubernetes/timing.js';
import { raftFromConfig } from './raft/config.js';
import { raftTiming } from './raft/timing.js';
import { zookeeperFromConfig } from './zookeeper/config.js';
import { zookeeperTiming } from './zookeeper/timing.js';

/** What the registry knows of one backend. */
interface BackendEntry<TimingSettings> {
  /** Builds the backend; loads its module (and its client library) only now. */
  readonly create: (config: Config, runtime: BackendRuntime) => Promise<ElectionBackend>;
  readonly timing: BackendTimingRule<TimingSettings>;
}

function entry<Options, TimingSettings>(parts: {
  /** Loads the module with the backend's factory; called only for the chosen backend. */
  readonly load: () => Promise<(options: Options) => ElectionBackend>;
  /** Maps the settings of `elector run` to the factory's options; throws CONFIG_INVALID. */
  readonly fromConfig: (config: Config, runtime: BackendRuntime) => Options;
  readonly timing: BackendTimingRule<TimingSettings>;
}): BackendEntry<TimingSettings> {
  return {
    async create(config, runtime) {
      const options = parts.fromConfig(config, runtime);
      const createBackend = await parts.load();
      return createBackend(options);
    },
    timing: parts.timing,
  };
}

/** Backend name -> how to build it from the settings, and its timing rules. */
const backendRegistry = {
  raft: entry({
    load: async () => (await import('./raft/raft-backend.js')).createRaftBackend,
    fromConfig: raftFromConfig,
    timing: raftTiming,
  }),
  etcd: entry({
    load: async () => (await import('./etcd/etcd-backend.js')).createEtcdBackend,
    fromConfig: etcdFromConfig,
    timing: etcdTiming,
  }),
  zookeeper: entry({
    load: async () => (await import('./zookeeper/zookeeper-backend.js')).createZooKeeperBackend,
    fromConfig: zookeeperFromConfig,
    timing: zookeeperTiming,
  }),
  kubernetes: entry({
    load: async () => (await import('./kubernetes/lease-backend.js')).createLeaseBackend,
    fromConfig: leaseFromConfig,
    timing: leaseTiming,
  }),
} as const satisfies { readonly [Name in BackendName]: BackendEntry<never> };

/**
 * Builds the backend named by `config.backend`, loading only that backend's client library.
 * Rejects with CONFIG_INVALID for settings it cannot use.
 */
export async function createBackend(
  config: Config,
  runtime: BackendRuntime,
): Promise<ElectionBackend> {
  return backendRegistry[config.backend].create(config, runtime);
}

type Registry = typeof backendRegistry;
type TimingSettingsOf<Name extends BackendName> =
  Registry[Name] extends BackendEntry<infer Settings> ? Settings : never;
type AllOf<Union> = (Union extends unknown ? (part: Union) => void : never) extends (
  part: infer Intersection,
) => void
  ? Intersection
  : never;

/** What the timing check reads: every backend's timing settings (a Config has them all). */
export type TimingSettings = AllOf<TimingSettingsOf<BackendName>> & {
  readonly backend: BackendName;
  /** The health gate's timing; null when no health check is configured. */
  readonly health: HealthTiming | null;
  /** Assumed round trip to the peers or the backend's servers, for the figures. Default 10. */
  readonly roundTripMs?: number;
};

/**
 * The startup timing check: the chosen backend's rules and worst cases, then the health
 * gate's against them (see timingReport). Pure.
 */
export function checkTiming(settings: TimingSettings): TimingReport {
  const rule: BackendTimingRule<TimingSettings> = backendRegistry[settings.backend].timing;
  return timingReport(rule(settings, settings.roundTripMs ?? defaultRoundTripMs), settings.health);
}
