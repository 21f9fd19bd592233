import type { Counter, Histogram, Registry } from 'prom-client';
import { assertNever } from '../../core/errors.js';
import type { PodSyncEvent } from '../../pod-labels/pod-sync-events.js';
import {
  counterFrom,
  failoverBuckets,
  histogramFrom,
  labelProduct,
  type MetricDeclaration,
} from './metric-declaration.js';

const podWriteTargets = ['role-label', 'condition', 'stale-label'] as const;

export const podLabelMetricDeclarations = {
  labelConvergence: {
    name: 'elector_label_convergence_seconds',
    help: 'From this member becoming leader to the pod labels being right in the API.',
    type: 'histogram',
    labelNames: [],
    buckets: failoverBuckets,
  },
  podWrites: {
    name: 'elector_pod_writes_total',
    help: 'Requests about pods (role label, readiness condition, stale labels), by result.',
    type: 'counter',
    labelNames: ['target', 'result', 'reason'],
    // `reason` is the Status reason of a failure, open-ended: a failure starts at 0 with the
    // reason an unreachable API server gives.
    zeroed: [
      ...labelProduct({ target: podWriteTargets, result: ['written', 'conflict'], reason: [''] }),
      ...labelProduct({ target: podWriteTargets, result: ['failed'], reason: ['NetworkError'] }),
    ],
  },
  podEvents: {
    name: 'elector_pod_events_total',
    help: 'Kubernetes Events on this pod, by reason and result.',
    type: 'counter',
    labelNames: ['reason', 'result'],
    zeroed: labelProduct({
      reason: ['BecameLeader', 'SteppedDown', 'ConfigurationChanged'],
      result: ['recorded', 'rate-limited', 'failed'],
    }),
  },
} as const satisfies Record<string, MetricDeclaration>;

/** What the pod label writer reports: pod requests, label convergence and Kubernetes Events. */
export class PodLabelMetrics {
  /** Exposed so a caller that measures convergence itself can record it. */
  readonly labelConvergence: Histogram;
  private readonly podWrites: Counter<'target' | 'result' | 'reason'>;
  private readonly podEvents: Counter<'reason' | 'result'>;

  constructor(registry: Registry, backend: string) {
    const declared = podLabelMetricDeclarations;
    this.labelConvergence = histogramFrom(declared.labelConvergence, registry);
    this.podWrites = counterFrom(declared.podWrites, registry, backend);
    this.podEvents = counterFrom(declared.podEvents, registry, backend);
  }

  observe(event: PodSyncEvent): void {
    switch (event.type) {
      case 'pod-write':
        this.podWrites.inc({
          target: event.target,
          result: event.result,
          reason: event.reason ?? '',
        });
        break;
      case 'label-convergence':
        this.labelConvergence.observe(event.durationMs / 1000);
        break;
      case 'pod-event':
        this.podEvents.inc({ reason: event.reason, result: event.result });
        break;
      default:
        assertNever(event);
    }
  }
}
