import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { assertNever } from '../../core/errors.js';
import type {
  HookKind,
  HookName,
  HookResult,
  ProbeFailureReason,
  ProbeKind,
  WorkloadEvent,
} from '../../workload/workload-events.js';
import {
  counterFrom,
  failoverBuckets,
  gaugeFrom,
  histogramFrom,
  labelProduct,
  type MetricDeclaration,
} from './metric-declaration.js';

/** The ways each kind of probe can fail (a connection problem or an unexpected status, ...). */
const failureReasons: Readonly<Record<ProbeKind, readonly ProbeFailureReason[]>> = {
  http: ['timeout', 'status', 'connection', 'error'],
  tcp: ['timeout', 'connection', 'error'],
  exec: ['timeout', 'exit-code', 'error'],
};

const hookResults: readonly HookResult[] = [
  'success',
  'failure',
  'timeout',
  'cancelled',
  'dropped',
];

/** A leadership hook the sidecar was configured with. */
export interface ConfiguredHook {
  readonly hook: HookName;
  readonly kind: HookKind;
}

export const workloadMetricDeclarations = {
  healthProbes: {
    name: 'elector_health_probes_total',
    help: 'Workload health probes, by kind and result.',
    type: 'counter',
    labelNames: ['kind', 'result', 'reason'],
  },
  healthProbeDuration: {
    name: 'elector_health_probe_duration_seconds',
    help: 'Duration of workload health probes.',
    type: 'histogram',
    labelNames: [],
    buckets: failoverBuckets,
  },
  workloadHealthy: {
    name: 'elector_workload_healthy',
    help: '1 while the workload health gate says healthy (1 when there is no health check).',
    type: 'gauge',
    labelNames: [],
  },
  healthChanges: {
    name: 'elector_workload_health_changes_total',
    help: 'Verdict changes of the workload health gate.',
    type: 'counter',
    labelNames: ['to'],
  },
  hookRuns: {
    name: 'elector_hook_runs_total',
    help: 'Leadership hooks run, by hook, kind and result (success, failure, timeout, cancelled, dropped).',
    type: 'counter',
    labelNames: ['hook', 'kind', 'result'],
  },
  hookDuration: {
    name: 'elector_hook_duration_seconds',
    help: 'Duration of leadership hooks.',
    type: 'histogram',
    labelNames: ['hook'],
    buckets: failoverBuckets,
  },
} as const satisfies Record<string, MetricDeclaration>;

/** What the workload modules report: health probes, the health gate's verdict, and hooks. */
export class WorkloadMetrics {
  private readonly healthProbes: Counter<'kind' | 'result' | 'reason'>;
  private readonly healthProbeDuration: Histogram;
  private readonly workloadHealthy: Gauge;
  private readonly healthChanges: Counter<'to'>;
  private readonly hookRuns: Counter<'hook' | 'kind' | 'result'>;
  private readonly hookDuration: Histogram<'hook'>;

  constructor(registry: Registry, backend: string) {
    const declared = workloadMetricDeclarations;
    this.healthProbes = counterFrom(declared.healthProbes, registry, backend);
    this.healthProbeDuration = histogramFrom(declared.healthProbeDuration, registry);
    this.workloadHealthy = gaugeFrom(declared.workloadHealthy, registry);
    // Without a health check the workload counts as healthy; expectHealthCheck() says otherwise.
    this.workloadHealthy.set(1);
    this.healthChanges = counterFrom(declared.healthChanges, registry, backend);
    this.hookRuns = counterFrom(declared.hookRuns, registry, backend);
    this.hookDuration = histogramFrom(declared.hookDuration, registry);
  }

  /**
   * Starts the health gauge at 0 (a workload with a health check starts unhealthy), and the
   * probe results and verdict changes a probe of `kind` can produce at 0.
   */
  expectHealthCheck(kind: ProbeKind): void {
    this.workloadHealthy.set(0);
    this.healthProbes.inc({ kind, result: 'success', reason: '' }, 0);
    for (const reason of failureReasons[kind])
      this.healthProbes.inc({ kind, result: 'failure', reason }, 0);
    for (const to of ['healthy', 'unhealthy']) this.healthChanges.inc({ to }, 0);
  }

  /** Starts every result of each configured hook at 0. */
  expectHooks(hooks: readonly ConfiguredHook[]): void {
    for (const { hook, kind } of hooks) {
      for (const labels of labelProduct({ hook: [hook], kind: [kind], result: hookResults }))
        this.hookRuns.inc(labels, 0);
    }
  }

  observe(event: WorkloadEvent): void {
    switch (event.type) {
      case 'health-probe':
        this.healthProbes.inc({
          kind: event.kind,
          result: event.result,
          reason: event.reason ?? '',
        });
        this.healthProbeDuration.observe(event.durationMs / 1000);
        break;
      case 'health-changed':
        this.workloadHealthy.set(event.isHealthy ? 1 : 0);
        this.healthChanges.inc({ to: event.isHealthy ? 'healthy' : 'unhealthy' });
        break;
      case 'hook-run':
        this.hookRuns.inc({ hook: event.hook, kind: event.kind, result: event.result });
        this.hookDuration.observe({ hook: event.hook }, event.durationMs / 1000);
        break;
      default:
        assertNever(event);
    }
  }
}
