import { majorityAckedSentAt } from './leadership-view.js';
import { broadcastHeartbeat } from './heartbeat.js';
import { leaderRole, stepDown } from './leader-role.js';
import { advanceCommit, mergeDesire, reconcileMembership } from './membership.js';
import type { HeartbeatResponse } from './messages.js';
import type { PeerAck } from './state.js';
import type { StepContext } from './step-context.js';
import { eligibleSinceAfter, preemptionTarget } from './preemption.js';
import { transferLeadership } from './transfer.js';

export function becomeLeader(context: StepContext): void {
  const { now } = context;
  context.update({
    leader: context.id,
    lastLeaderContactAt: now,
    roleState: {
      role: 'leader',
      since: now,
      nextHeartbeatAt: now,
      lastBroadcastAt: now,
      acks: new Map(),
      changeStartedAt: null,
      askedAt: new Map(),
    },
  });
  context.because('election-won');
  context.note(null);
  broadcastHeartbeat(context);
  reconcileMembership(context);
}

/**
 * Check-quorum (thesis §6.2): the instant after which this leader steps down, T after the
 * newest heartbeat a majority of every member set in force acknowledged (or T after it became
 * leader, before any).
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
  reconcileMembership(context);
  if (context.state.roleState.role !== 'leader') return;
  const preferred = preemptionTarget(context);
  if (preferred !== null) transferLeadership(context, preferred, 'preempted');
}

export function onHeartbeatResponse(context: StepContext, response: HeartbeatResponse): void {
  mergeDesire(context, response.desire);
  const role = leaderRole(context);
  if (!response.success || response.echo > context.now || response.echo < role.since) return;
  const previous = role.acks.get(response.from);
  const sentAt = context.state.mutations.leaseFromAckReceipt === true ? context.now : response.echo;
  // Acknowledgements may arrive out of order: what the peer holds is what its newest one says.
  const newestSentAt = Math.max(previous?.sentAt ?? Number.NEGATIVE_INFINITY, sentAt);
  const isInLine = response.eligible && response.leaving !== true;
  const priority = response.priority ?? 0;
  const ack: PeerAck =
    previous === undefined || response.echo >= previous.sentAt
      ? {
          sentAt: newestSentAt,
          isEligible: response.eligible,
          isLeaving: response.leaving === true,
          priority,
          eligibleSince: eligibleSinceAfter(context, previous, { sentAt, isInLine, priority }),
          ownList: response.ownList,
          configurationId: response.configurationId,
          desire: response.desireTag,
        }
      : { ...previous, sentAt: newestSentAt };
  context.update({
    roleState: { ...role, acks: new Map(role.acks).set(response.from, ack) },
  });
  advanceCommit(context);
  reconcileMembership(context);
}

export { transferLeadership };
