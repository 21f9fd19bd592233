// A member's answer to its leader's heartbeat.
import { isNewerDesire, tagOf, type DesireTag } from './desire.js';
import { adoptFromLeader, mergeDesire } from './membership.js';
import type { Heartbeat, HeartbeatResponse } from './messages.js';
import { mayLead } from './state.js';
import type { StepContext } from './step-context.js';
import { deadlineAfterHeartbeat } from './succession.js';

/**
 * A heartbeat of our own term, from the leader of that term: a pre-candidate or candidate loses
 * its election; the member follows, adopts what the leader says of the member set, sets its
 * election deadline by its rank in the succession the leader sent, and acknowledges.
 */
export function onHeartbeat(context: StepContext, heartbeat: Heartbeat): void {
  const { roleState, leader } = context.state;
  if (roleState.role === 'leader') {
    context.notice({
      type: 'message-ignored',
      reason: `heartbeat from "${heartbeat.from}" in our own term`,
    });
    return;
  }
  if (roleState.role !== 'follower') context.notice({ type: 'election-finished', result: 'lost' });
  if (leader !== heartbeat.from) context.because('leader-discovered');
  adoptFromLeader(context, heartbeat);
  mergeDesire(context, heartbeat.desire);
  context.note(null);
  const succession = heartbeat.succession ?? null;
  context.update({
    roleState: { role: 'follower' },
    leader: heartbeat.from,
    lastLeaderContactAt: context.now,
    succession,
    electionDeadline: deadlineAfterHeartbeat(
      context.state,
      context.now,
      context.random(),
      succession,
    ),
  });
  const { desire } = context.state;
  // Sent only when set, so the acknowledgements of a cluster that sets no priority stay as they were.
  const priority = context.state.config.priority ?? 0;
  context.send({
    ...acknowledgement(context, heartbeat, true, tagOf(desire)),
    ...(context.state.isLeaving ? { leaving: true } : {}),
    ...(priority > 0 ? { priority } : {}),
    ...(desire !== null && isNewerDesire(desire, heartbeat.desireTag) ? { desire } : {}),
  });
}

/**
 * The answer to `heartbeat` in our term, accepted or refused, with what every answer says of
 * this member: whether it may lead, its own list, the configuration it holds, and `desireTag`.
 */
export function acknowledgement(
  context: StepContext,
  heartbeat: Heartbeat,
  success: boolean,
  desireTag: DesireTag | null,
): HeartbeatResponse {
  return {
    type: 'heartbeat-response',
    from: context.id,
    to: heartbeat.from,
    term: context.state.term,
    echo: heartbeat.sentAt,
    success,
    eligible: mayLead(context.state),
    ownList: { members: context.state.startedWith, counter: context.state.ownCounter },
    configurationId: context.configurationId,
    desireTag,
  };
}
