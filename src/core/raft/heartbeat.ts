import { isSameConfigurationId, isVoter, votersOf } from './configuration.js';
import { isNewerDesire, tagOf } from './desire.js';
import { leaderRole } from './leader-role.js';
import type { NodeState } from './state.js';
import type { StepContext } from './step-context.js';
import { successionOrder } from './succession.js';

/**
 * Members that do not vote yet but may be about to: those of the newest desired list and of
 * this leader's own list. The leader contacts them, so their acknowledgements say whether they
 * are up (and not leaving) before a change counts on them.
 */
function learnersOf(state: NodeState): readonly string[] {
  if (state.configuration === null) return [];
  const wanted = new Set([...(state.desire?.members ?? []), ...state.startedWith]);
  return [...wanted].filter((member) => !isVoter(state.configuration, member));
}

/** How many election timeouts a member outside the configuration keeps getting heartbeats after it last spoke. */
const outsiderTimeouts = 10;

/**
 * Whom the leader sends heartbeats: every voter of both member sets, every learner, every
 * member that asked to leave (so it hears that its removal committed and may go), and every
 * other member that said hello or answered lately (so it knows the leader and its lease).
 */
function heartbeatRecipients(state: NodeState, now: number): readonly string[] {
  const members = new Set([...votersOf(state.configuration), ...learnersOf(state)]);
  if (state.roleState.role === 'leader') {
    const since = now - outsiderTimeouts * state.config.electionTimeoutMs;
    for (const [peer, ack] of state.roleState.acks) {
      if (ack.isLeaving || ack.sentAt >= since) members.add(peer);
    }
    for (const [peer, askedAt] of state.roleState.askedAt) if (askedAt >= since) members.add(peer);
  }
  members.delete(state.config.id);
  return [...members].sort();
}

/**
 * Sends a heartbeat to every voter and to every member being added. Each carries the leader's
 * configuration entry in full only to a peer that has not acknowledged it, its newest desire in
 * full only to a peer that has not acknowledged one as new, and the succession order (the same to
 * every peer of the round, so their ranks agree).
 */
export function broadcastHeartbeat(context: StepContext): void {
  const role = leaderRole(context);
  const { now } = context;
  const { configuration, desire, commitIndex, term } = context.state;
  const configurationId = context.configurationId;
  const desireTag = tagOf(desire);
  const succession = successionOrder(context.state, now);
  for (const peer of heartbeatRecipients(context.state, now)) {
    const ack = role.acks.get(peer);
    const hasConfiguration =
      ack !== undefined && isSameConfigurationId(ack.configurationId, configurationId);
    // A peer whose own desire is as new needs nothing from this one: two first-start lists
    // (counter 0) are never newer than each other, and neither ever changes the configuration.
    const hasDesire = ack !== undefined && !isNewerDesire(desireTag, ack.desire);
    context.send({
      type: 'heartbeat',
      from: context.id,
      to: peer,
      term,
      sentAt: now,
      configurationId,
      commitIndex,
      desireTag,
      ...(hasConfiguration || configuration === null ? {} : { configuration }),
      ...(hasDesire || desire === null ? {} : { desire }),
      ...(succession.length === 0 ? {} : { succession }),
    });
  }
  context.update({
    roleState: {
      ...role,
      nextHeartbeatAt: now + context.state.config.heartbeatIntervalMs,
      lastBroadcastAt: now,
    },
  });
}
