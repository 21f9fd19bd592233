import { leaseDurationMs } from './config.js';
import { leaderRole, stepDown } from './leader-role.js';
import type { StepContext } from './step-context.js';

/**
 * Hands leadership to `to`, or to the eligible voter whose acknowledgement is newest. The
 * leader stops acting before TimeoutNow leaves and does not resume in this term: voters
 * skip their stickiness check for the transfer, so the old lease must already be void.
 * An ineligible or removed leader steps down even when no one can take over.
 */
export function transferLeadership(
  context: StepContext,
  to: string | undefined,
  reason: 'transfer' | 'preempted' | 'ineligible' | 'removed',
): void {
  if (context.state.roleState.role !== 'leader') {
    context.notice({ type: 'transfer-refused', reason: 'not the leader' });
    return;
  }
  const target = chooseTransferTarget(context, to);
  if (typeof target !== 'string') {
    context.notice({ type: 'transfer-refused', reason: target.refused });
    if (reason === 'ineligible' || reason === 'removed') stepDown(context, reason);
    return;
  }
  const { term, mutations } = context.state;
  if (mutations.skipTransferStepDown !== true) stepDown(context, reason);
  context.send({ type: 'timeout-now', from: context.id, to: target, term });
  context.notice({ type: 'transfer-started', to: target });
}

/** Whether some voter could take over now (reachable, eligible, not leaving). */
export function hasTransferTarget(context: StepContext): boolean {
  return typeof chooseTransferTarget(context, undefined) === 'string';
}

function chooseTransferTarget(
  context: StepContext,
  to: string | undefined,
): string | { refused: string } {
  const role = leaderRole(context);
  // Only a voter of the incoming member set may take over: an outgoing one is about to go.
  const voters = context.state.configuration?.voters ?? [];
  const isCandidate = (peer: string): boolean => peer !== context.id && voters.includes(peer);
  const reachableSince = context.now - leaseDurationMs(context.state.config);
  const reachable = [...role.acks.entries()].filter(
    ([peer, ack]) =>
      isCandidate(peer) && ack.isEligible && !ack.isLeaving && ack.sentAt >= reachableSince,
  );
  if (to !== undefined) {
    if (!isCandidate(to)) return { refused: `"${to}" is not another voting member` };
    return reachable.some(([peer]) => peer === to)
      ? to
      : { refused: `"${to}" is not reachable and eligible` };
  }
  const best = reachable.sort(([, a], [, b]) => b.sentAt - a.sentAt)[0];
  return best === undefined ? { refused: 'no reachable eligible voter' } : best[0];
}
