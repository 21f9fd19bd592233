import { Registry, collectDefaultMetrics, type Histogram } from 'prom-client';
import type { ElectionBackend } from '../../backends/backend.js';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import type { PodSyncObserver } from '../../pod-labels/pod-sync-events.js';
import type { ProbeKind, WorkloadObserver } from '../../workload/workload-events.js';
import {
  ElectionMetrics,
  electionMetricDeclarations,
  leadershipGaugeDeclarations,
} from './election-metrics.js';
import type { HttpLimitName } from '../http-capacity.js';
import { HttpApiMetrics, httpApiMetricDeclarations } from './http-api-metrics.js';
import {
  MembershipMetrics,
  membershipGaugeDeclarations,
  membershipMetricDeclarations,
} from './membership-metrics.js';
import { gaugeFrom, type MetricDeclaration } from './metric-declaration.js';
import { PodLabelMetrics, podLabelMetricDeclarations } from './pod-label-metrics.js';
import { StorageMetrics, storageMetricDeclarations } from './storage-metrics.js';
import { successionGaugeDeclarations, trackSuccession } from './succession-metrics.js';
import {
  WorkloadMetrics,
  workloadMetricDeclarations,
  type ConfiguredHook,
} from './workload-metrics.js';

export interface MetricsOptions {
  /** This member's id; a label of elector_info. */
  readonly id: string;
  /** The backend name, a label on every series; `raft` adds the member-set series. */
  readonly backend: string;
  /** The election name, a label on every series. */
  readonly election: string;
  /** The build version; a label of elector_info. */
  readonly version: string;
  /** Measures election, failover and leaderless time, and the lease left at a scrape. */
  readonly clock: Clock;
  /** This member's `--priority`, the value of elector_priority; 0 (the default) when left out. */
  readonly priority?: number;
}

const infoDeclaration = {
  name: 'elector_info',
  help: 'Build and identity of this sidecar (always 1).',
  type: 'gauge',
  labelNames: ['id', 'version'],
} as const satisfies MetricDeclaration;

/** Only the Raft mesh replicates a member set. */
function hasMemberSet(backend: string): boolean {
  return backend === 'raft';
}

/** Only the Raft mesh keeps durable state of its own (--state-dir). */
function hasStateDirectory(backend: string): boolean {
  return backend === 'raft';
}

/**
 * Every elector_* family a sidecar of `backend` exports once its backend is tracked, in the
 * order they are scraped. The process_* and nodejs_* defaults are not in it.
 */
export function sidecarMetricDeclarations(backend: string): readonly MetricDeclaration[] {
  return [
    infoDeclaration,
    ...Object.values(electionMetricDeclarations),
    ...Object.values(podLabelMetricDeclarations),
    ...Object.values(workloadMetricDeclarations),
    ...Object.values(httpApiMetricDeclarations),
    ...(hasMemberSet(backend) ? Object.values(membershipMetricDeclarations) : []),
    ...(hasStateDirectory(backend) ? Object.values(storageMetricDeclarations) : []),
    ...Object.values(leadershipGaugeDeclarations),
    ...Object.values(successionGaugeDeclarations),
    ...(hasMemberSet(backend) ? Object.values(membershipGaugeDeclarations) : []),
  ];
}

/**
 * The Prometheus series of one sidecar, composed of one part per subsystem. Backends, the pod
 * label writer and the workload modules report through the observers below (they never import
 * prom-client); leadership gauges are read from the backend at scrape time, so they are never stale.
 */
export class SidecarMetrics {
  /** Every series of this sidecar, with `election` and `backend` labels on each. */
  readonly registry = new Registry();
  /** From this member becoming leader to its pod labels being right in the API. */
  readonly labelConvergence: Histogram;
  private readonly election: ElectionMetrics;
  private readonly pods: PodLabelMetrics;
  private readonly workload: WorkloadMetrics;
  private readonly httpApi: HttpApiMetrics;
  private readonly membership: MembershipMetrics | null;
  private readonly storage: StorageMetrics | null;
  private readonly id: string;
  private readonly priority: number;

  constructor(options: MetricsOptions) {
    this.id = options.id;
    this.priority = options.priority ?? 0;
    const registry = this.registry;
    registry.setDefaultLabels({ election: options.election, backend: options.backend });
    // A coarse event-loop monitor: the default 10 ms resolution wakes an idle sidecar 100 times a second.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
    // These default gauges break Prometheus naming rules (a _total suffix on a gauge), which
    // `promtool check metrics` rejects; the process_* series cover the same ground.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }
    gaugeFrom(infoDeclaration, registry).set({ id: options.id, version: options.version }, 1);
    this.election = new ElectionMetrics(registry, options.clock, options.backend);
    this.pods = new PodLabelMetrics(registry, options.backend);
    this.labelConvergence = this.pods.labelConvergence;
    this.workload = new WorkloadMetrics(registry, options.backend);
    this.httpApi = new HttpApiMetrics(registry, options.backend);
    this.membership = hasMemberSet(options.backend) ? new MembershipMetrics(registry) : null;
    this.storage = hasStateDirectory(options.backend) ? new StorageMetrics(registry) : null;
  }

  /**
   * Adds the gauges read from the backend on every scrape, and follows its leadership changes.
   * Call it once: a second call throws, as the gauges are registered already.
   */
  trackBackend(backend: ElectionBackend): void {
    this.election.track(backend);
    trackSuccession(this.registry, backend, this.id, this.priority);
    this.membership?.track(backend);
  }

  /**
   * For a configured health check of `kind`: starts the health gauge at 0 (a workload starts
   * unhealthy), and the probe and verdict-change counters at 0.
   */
  expectHealthCheck(kind: ProbeKind): void {
    this.workload.expectHealthCheck(kind);
  }

  /** For the configured leadership hooks: starts each one's run counters at 0. */
  expectHooks(hooks: readonly ConfiguredHook[]): void {
    this.workload.expectHooks(hooks);
  }

  /** For the backend: counts its election events. */
  readonly observe: ElectionObserver = (event) => {
    if (event.type === 'configuration-committed')
      this.membership?.committed(event.changeDurationMs);
    else if (event.type === 'state-save-failed') this.storage?.saveFailed(event.reason);
    else this.election.observe(event);
  };

  /** For the pod label writer. */
  readonly observePods: PodSyncObserver = (event) => {
    this.pods.observe(event);
  };

  /** For the HTTP API's caps (HttpCapacity): a request refused because `limit` was reached. */
  readonly observeHttpRefusal = (limit: HttpLimitName): void => {
    this.httpApi.refused(limit);
  };

  /** For the health gate and the leadership hooks. */
  readonly observeWorkload: WorkloadObserver = (event) => {
    this.workload.observe(event);
  };
}
