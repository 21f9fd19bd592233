import { leaseDurationMs } from './config.js';
import { isSameConfigurationId } from './configuration.js';
import { leaderRole, stepDown } from './leader-role.js';
import type { PeerAck } from './state.js';
import type { StepContext } from './step-context.js';

/** The voter a transfer goes to, with the acknowledgement that made it a candidate. */
interface TransferTarget {
  readonly target: string;
  readonly ack: PeerAck;
}

/**
 * Hands leadership to `to`, or to the eligible voter whose acknowledgement is newest. The
 * leader stops acting before TimeoutNow leaves and does not resume in this term: voters
 * skip their stickiness check for the transfer, so the old lease must already be void.
 * An ineligible or removed leader steps down even when no one can take over.
 *
 * When the target holds the leader's configuration entry (so every voter would find it up to
 * date), the leader also votes for it in the next term, saved before TimeoutNow leaves: in a
 * cluster of three the target then wins on its own save, with no voter's save on the way. Not
 * when it hands over because it may not lead: that step must not wait on a save (the reason
 * may be that saves fail).
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
  const choice = chooseTransferTarget(context, to);
  if ('refused' in choice) {
    context.notice({ type: 'transfer-refused', reason: choice.refused });
    if (reason === 'ineligible' || reason === 'removed') stepDown(context, reason);
    return;
  }
  const { target, ack } = choice;
  const { term, mutations } = context.state;
  const stepsDown = mutations.skipTransferStepDown !== true;
  // The target's last acknowledgement says it holds this leader's entry: no voter's is newer.
  const isUpToDate = isSameConfigurationId(ack.configurationId, context.configurationId);
  const castsVote =
    (reason === 'transfer' || reason === 'preempted') &&
    stepsDown &&
    (mutations.voteForStaleTarget === true || isUpToDate);
  if (stepsDown) stepDown(context, reason);
  if (castsVote) context.update({ term: term + 1, votedFor: target });
  context.send({
    type: 'timeout-now',
    from: context.id,
    to: target,
    term,
    ...(castsVote ? { withVote: true } : {}),
  });
  context.notice({ type: 'transfer-started', to: target });
}

/** Whether some voter could take over now (reachable, eligible, not leaving). */
export function hasTransferTarget(context: StepContext): boolean {
  return !('refused' in chooseTransferTarget(context, undefined));
}

function chooseTransferTarget(
  context: StepContext,
  to: string | undefined,
): TransferTarget | { refused: string } {
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
    const named = reachable.find(([peer]) => peer === to);
    return named === undefined
      ? { refused: `"${to}" is not reachable and eligible` }
      : { target: to, ack: named[1] };
  }
  const best = reachable.sort(([, a], [, b]) => b.sentAt - a.sentAt)[0];
  return best === undefined
    ? { refused: 'no reachable eligible voter' }
    : { target: best[0], ack: best[1] };
}
