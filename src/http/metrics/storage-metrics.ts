import type { Counter, Registry } from 'prom-client';
import {
  stateSaveFailureReasons,
  type StateSaveFailureReason,
} from '../../core/election-events.js';
import { counterFrom, type MetricDeclaration } from './metric-declaration.js';

export const storageMetricDeclarations = {
  saveFailures: {
    name: 'elector_raft_state_save_failures_total',
    help: 'Saves of the durable Raft state (term, vote, configuration) that failed, by reason: read-only, no-space, permission, not-a-directory, io-error, other. While they fail the member neither votes nor leads.',
    type: 'counter',
    labelNames: ['reason'],
    zeroed: { raft: stateSaveFailureReasons.map((reason) => ({ reason })) },
  },
} as const satisfies Record<string, MetricDeclaration>;

/** The Raft member's state directory: failed saves, counted from zero by reason. */
export class StorageMetrics {
  private readonly saveFailures: Counter<'reason'>;

  constructor(registry: Registry) {
    this.saveFailures = counterFrom(storageMetricDeclarations.saveFailures, registry, 'raft');
  }

  saveFailed(reason: StateSaveFailureReason): void {
    this.saveFailures.inc({ reason });
  }
}
