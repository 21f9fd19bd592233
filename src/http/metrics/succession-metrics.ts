import type { Registry } from 'prom-client';
import type { ElectionBackend } from '../../backends/backend.js';
import { rankOf } from '../succession.js';
import { gaugeFrom, type MetricDeclaration } from './metric-declaration.js';

/** This member's place in who leads: its configured priority and its rank, on every backend. */
export const successionGaugeDeclarations = {
  priority: {
    name: 'elector_priority',
    help: "This member's configured --priority (0 never takes over from a leader).",
    type: 'gauge',
    labelNames: [],
  },
  rank: {
    name: 'elector_succession_rank',
    help: "This member's place in the succession: 0 the leader, 1 next to lead, and so on; NaN when it is not in line or its backend does not know the order.",
    type: 'gauge',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDeclaration>;

/**
 * Registers the succession gauges in `registry`: the priority is fixed at start, the rank is
 * read from `backend.members()` at every scrape, so it is never stale.
 */
export function trackSuccession(
  registry: Registry,
  backend: ElectionBackend,
  id: string,
  priority: number,
): void {
  gaugeFrom(successionGaugeDeclarations.priority, registry).set(priority);
  gaugeFrom(successionGaugeDeclarations.rank, registry, function () {
    // NaN rather than an absent series: a no-label gauge always has a sample, and NaN matches
    // no comparison, so `elector_succession_rank == 0` never counts a member out of line.
    this.set(rankOf(backend.members(), id) ?? Number.NaN);
  });
}
