import type { Counter, Histogram, Registry } from 'prom-client';
import { assertNever } from '../../core/errors.js';
import type { PodSyncEvent } from '../../pod-labels/pod-sync-events.js';
import {
  counterFrom,
  failoverBuckets,
  histogramFrom,
  type MetricDeclaration,
} from './metric-declaration.js';

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
  },
  podEvents: {
    name: 'elector_pod_events_total',
    help: 'Kubernetes Events on this pod, by reason and result.',
    type: 'counter',
    labelNames: ['reason', 'result'],
  },
} as const satisfies Record<string, MetricDeclaration>;

/** What the pod label writer reports: pod requests, label convergence and Kubernetes Events. */
export class PodLabelMetrics {
  /** Exposed so a caller that measures convergence itself can record it. */
  readonly labelConvergence: Histogram;
  private readonly podWrites: Counter<'target' | 'result' | 'reason'>;
  private readonly podEvents: Counter<'reason' | 'result'>;

  constructor(registry: Registry) {
    const declared = podLabelMetricDeclarations;
    this.labelConvergence = histogramFrom(declared.labelConvergence, registry);
    this.podWrites = counterFrom(declared.podWrites, registry);
    this.podEvents = counterFrom(declared.podEvents, registry);
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
