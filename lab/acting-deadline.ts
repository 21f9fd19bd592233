import type { ElectionState } from '../src/backends/backend.js';

/**
 * `until` extended by one sample of a member's state. current() stops reporting isSelf at
 * leaseExpiresAt whatever the member's timers do, so the latest deadline seen while it acted
 * bounds when it stopped acting (a leader without a deadline is unbounded).
 */
export function actingDeadlineAfter(until: number, state: ElectionState): number {
  return state.isSelf ? Math.max(until, state.leaseExpiresAt ?? Infinity) : until;
}
