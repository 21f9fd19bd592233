import { leaseDurationMs } from './config.js';
import { majorityAckedSentAt } from './leadership-view.js';
import type { HeartbeatResponse } from './messages.js';
import type { LeaderRole, PeerAck } from './state.js';
import type { StepContext } from './step-context.js';

export function becomeLeader(context: StepContext): void {
  const { now } = context;
  context.update({
    leader: context.id,
    lastLeaderContactAt: now,
    roleState: { role: 'leader', since: now, nextHeartbeatAt: now, acks: new Map() },
  });
  context.because('election-won');
  broadcastHeartbeat(context);
}

function leaderRole(context: StepContext): LeaderRole {
  const { roleState } = context.state;
  if (roleState.role !== 'leader') throw new Error('leader.ts called for a non-leader');
  return roleState;
}

export function broadcastHeartbeat(context: StepContext): void {
  const role = leaderRole(context);
  const { now } = context;
  for (const peer of context.peers) {
    context.send({
      type: 'heartbeat',
      from: context.id,
      to: peer,
      term: context.state.term,
      sentAt: now,
    });
  }
  context.update({
    roleState: { ...role, nextHeartbeatAt: now + context.state.config.heartbeatIntervalMs },
  });
}

/**
 * Check-quorum (thesis §6.2): the instant after which this leader steps down, T after the
 * newest heartbeat a majority acknowledged (or T after it became leader, before any).
 */
export function quorumDeadline(context: StepContext): number {
  const role = leaderRole(context);
  const acked = majorityAckedSentAt(context.state, role);
  return (
    Math.max(role.since, acked ?? Number.NEGATIVE_INFINITY) + context.state.config.electionTimeoutMs
  );
}

export function onLeaderTick(context: StepContext): void {
  if (context.state.mutations.skipCheckQuorum !== true && context.now >= quorumDeadline(context)) {
    stepDown(context, 'quorum-lost');
    return;
  }
  if (context.now >= leaderRole(context).nextHeartbeatAt) broadcastHeartbeat(context);
}

export function onHeartbeatResponse(context: StepContext, response: HeartbeatResponse): void {
  const role = leaderRole(context);
  if (!response.success || response.echo > context.now || response.echo < role.since) return;
  const previous = role.acks.get(response.from);
  const sentAt = context.state.mutations.leaseFromAckReceipt === true ? context.now : response.echo;
  const ack: PeerAck = {
    sentAt: Math.max(previous?.sentAt ?? Number.NEGATIVE_INFINITY, sentAt),
    isEligible: response.eligible,
  };
  context.update({ roleState: { ...role, acks: new Map(role.acks).set(response.from, ack) } });
}

export function stepDown(
  context: StepContext,
  reason: 'quorum-lost' | 'transfer' | 'ineligible',
): void {
  context.update({
    roleState: { role: 'follower' },
    leader: null,
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because(reason);
}

/**
 * Hands leadership to `to`, or to the eligible peer whose acknowledgement is newest. The
 * leader stops acting before TimeoutNow leaves and does not resume in this term: voters
 * skip their stickiness check for the transfer, so the old lease must already be void.
 */
export function transferLeadership(
  context: StepContext,
  to: string | undefined,
  reason: 'transfer' | 'ineligible',
): void {
  if (context.state.roleState.role !== 'leader') {
    context.notice({ type: 'transfer-refused', reason: 'not the leader' });
    return;
  }
  const target = chooseTransferTarget(context, to);
  if (typeof target !== 'string') {
    context.notice({ type: 'transfer-refused', reason: target.refused });
    if (reason === 'ineligible') stepDown(context, 'ineligible');
    return;
  }
  const { term } = context.state;
  stepDown(context, reason);
  context.send({ type: 'timeout-now', from: context.id, to: target, term });
  context.notice({ type: 'transfer-started', to: target });
}

function chooseTransferTarget(
  context: StepContext,
  to: string | undefined,
): string | { refused: string } {
  const role = leaderRole(context);
  const reachableSince = context.now - leaseDurationMs(context.state.config);
  const reachable = [...role.acks.entries()].filter(
    ([, ack]) => ack.isEligible && ack.sentAt >= reachableSince,
  );
  if (to !== undefined) {
    if (!context.peers.includes(to)) return { refused: `"${to}" is not another member` };
    return reachable.some(([peer]) => peer === to)
      ? to
      : { refused: `"${to}" is not reachable and eligible` };
  }
  const best = reachable.sort(([, a], [, b]) => b.sentAt - a.sentAt)[0];
  return best === undefined ? { refused: 'no reachable eligible peer' } : best[0];
}
