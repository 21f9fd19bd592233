import { defaultPriorityHandoverDelayMs, leaseDurationMs } from './config.js';
import { leaderRole } from './leader-role.js';
import type { PeerAck } from './state.js';
import type { StepContext } from './step-context.js';
import { successionOrder } from './succession.js';

/**
 * The start of a peer's priority handover window after its acknowledgement of the heartbeat
 * sent at `sentAt`: kept while it stays eligible and not leaving, with the same priority and no
 * gap of a lease between acknowledgements; restarted otherwise (a member restarted with a new
 * priority faster than a lease starts afresh); null while it may not lead.
 */
export function eligibleSinceAfter(
  context: StepContext,
  previous: PeerAck | undefined,
  acknowledged: { readonly sentAt: number; readonly isInLine: boolean; readonly priority: number },
): number | null {
  const { sentAt, isInLine, priority } = acknowledged;
  if (!isInLine) return null;
  const lease = leaseDurationMs(context.state.config);
  const isUnbroken =
    previous !== undefined &&
    previous.eligibleSince !== null &&
    previous.priority === priority &&
    sentAt - previous.sentAt < lease;
  return isUnbroken ? previous.eligibleSince : sentAt;
}

/**
 * Whom this leader should hand over to for priority, or null. Only the first of the
 * succession order counts, and only when its priority is strictly higher than the leader's
 * (so 0 never preempts and equals never swap) and it has acknowledged, eligible, without a
 * break for the whole handover delay. A member that comes and goes restarts its window each
 * time and never triggers a transfer. A new leader starts with no acknowledgements, so after
 * a transfer that failed the window runs in full again before the next attempt.
 */
export function preemptionTarget(context: StepContext): string | null {
  const { state, now } = context;
  const role = leaderRole(context);
  if (role.changeStartedAt !== null) return null;
  const first = successionOrder(state, now)[0];
  const ack = first === undefined ? undefined : role.acks.get(first);
  if (first === undefined || ack === undefined || ack.eligibleSince === null) return null;
  const ownPriority = state.config.priority ?? 0;
  const delayMs = state.config.priorityHandoverDelayMs ?? defaultPriorityHandoverDelayMs;
  const isHigher = ack.priority > ownPriority;
  return isHigher && ack.sentAt - ack.eligibleSince >= delayMs ? first : null;
}
