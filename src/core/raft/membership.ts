import {
  compareConfigurationIds,
  describeConfiguration,
  idOf,
  isQuorum,
  isSameConfigurationId,
  isSameMemberSet,
  isVoter,
  quorumReachedAt,
  type Configuration,
} from './configuration.js';
import { isNewerDesire, targetMembers, type DesiredMembers } from './desire.js';
import { desireAuthorSilenceTimeouts } from './config.js';
import { isActingLeader } from './leadership-view.js';
import { broadcastHeartbeat } from './heartbeat.js';
import { leaderRole } from './leader-role.js';
import type { Heartbeat } from './messages.js';
import type { LeaderRole, NodeState } from './state.js';
import type { StepContext } from './step-context.js';
import { hasTransferTarget, transferLeadership } from './transfer.js';

/** Keeps the newer of our desire and `incoming` (persisted when it changes). */
export function mergeDesire(context: StepContext, incoming: DesiredMembers | undefined): void {
  if (incoming !== undefined && isNewerDesire(incoming, context.state.desire)) {
    context.update({ desire: incoming });
  }
}

function adopt(context: StepContext, configuration: Configuration): void {
  context.update({ configuration, promise: null, founding: null, isRemovalConfirmed: false });
  context.note(null);
  context.notice({ type: 'configuration-adopted', configuration });
}

/**
 * A follower takes the leader's entry as Raft takes the leader's log (§5.3): the leader of the
 * current term is the authority, so its entry replaces ours unless ours is already a later entry
 * of this same term (messages of one leader may arrive out of order).
 */
export function adoptFromLeader(context: StepContext, heartbeat: Heartbeat): void {
  const mine = context.state.configuration;
  const theirs = heartbeat.configuration;
  if (theirs !== undefined && !isSameConfigurationId(idOf(mine), theirs)) {
    const isLaterOfThisTerm =
      mine !== null &&
      mine.term === heartbeat.term &&
      (theirs.term !== heartbeat.term || theirs.index < mine.index);
    if (!isLaterOfThisTerm) adopt(context, theirs);
  }
  const isLeadersEntry = isSameConfigurationId(context.configurationId, heartbeat.configurationId);
  if (isLeadersEntry) {
    const commitIndex = Math.min(heartbeat.commitIndex, context.configurationId.index);
    if (commitIndex > context.state.commitIndex) context.update({ commitIndex });
  }
  const isRemovalConfirmed =
    isLeadersEntry &&
    heartbeat.commitIndex >= context.configurationId.index &&
    !isVoter(context.state.configuration, context.id);
  if (isRemovalConfirmed !== context.state.isRemovalConfirmed) {
    context.update({ isRemovalConfirmed });
  }
}

/**
 * Takes an entry a peer knows to be committed when it is newer than ours. Every later leader
 * holds a committed entry (the election restriction), so ours is an ancestor of it or lies on a
 * branch no leader will extend: adopting it is catching up, as from the leader.
 */
export function adoptCommitted(
  context: StepContext,
  configuration: Configuration | undefined,
): void {
  if (configuration === undefined) return;
  const order = compareConfigurationIds(configuration, context.configurationId);
  if (order < 0) return;
  if (order > 0) adopt(context, configuration);
  if (configuration.index > context.state.commitIndex) {
    context.update({ commitIndex: configuration.index });
  }
}

/** The member's entry if it knows it committed (so peers may adopt it), else undefined. */
export function committedConfiguration(state: NodeState): Configuration | undefined {
  const { configuration, commitIndex } = state;
  return configuration !== null && commitIndex >= configuration.index ? configuration : undefined;
}

/**
 * Raft §5.4.2: the leader counts replicas only of an entry of its own term. The entry commits
 * when it is durable on a majority of every member set it names (the leader's own copy was
 * persisted before anything that carried it was sent).
 */
export function advanceCommit(context: StepContext): void {
  const { configuration, term, commitIndex } = context.state;
  if (configuration === null || configuration.term !== term || commitIndex >= configuration.index) {
    return;
  }
  const role = leaderRole(context);
  const holders = new Set([context.id]);
  for (const [peer, ack] of role.acks) {
    if (isSameConfigurationId(ack.configurationId, configuration)) holders.add(peer);
  }
  if (!isQuorum(configuration, holders)) return;
  // A final entry completes the change whose joint entry was appended at `changeStartedAt`.
  const startedAt = configuration.outgoing === null ? role.changeStartedAt : null;
  context.update({
    commitIndex: configuration.index,
    roleState: startedAt === null ? role : { ...role, changeStartedAt: null },
  });
  context.notice({
    type: 'configuration-committed',
    configuration,
    changeDurationMs: startedAt === null ? null : context.now - startedAt,
  });
}

function append(context: StepContext, configuration: Configuration, isChangeStart: boolean): void {
  const role = leaderRole(context);
  context.update({
    configuration,
    roleState: { ...role, changeStartedAt: isChangeStart ? context.now : role.changeStartedAt },
  });
  context.notice({ type: 'configuration-appended', configuration });
  advanceCommit(context);
  broadcastHeartbeat(context);
}

/**
 * The leader moves the configuration toward the newest desired member list by joint consensus
 * (thesis §4.3), one entry at a time, each only after the one before it committed:
 *  1. confirm: a leader first commits an entry of its own term (the fix for the thesis §4.3
 *     single-server bug, and what tells it its entry is committed);
 *  2. a joint entry (new voters, outgoing old voters) once a majority of the new set acknowledges
 *     heartbeats as recently as the current lease rests on, so the lease does not shrink;
 *  3. the final entry (new voters alone); a leader that is not among them then hands over.
 * Only a leader that was already acting before this step changes anything.
 */
export function reconcileMembership(context: StepContext): void {
  const { state } = context;
  const tail = state.configuration;
  if (tail === null || state.roleState.role !== 'leader') return;
  // Acting since an earlier step: the step that acquires the lease carries no entry, so the
  // fsync an entry costs never delays the news that a new leader acts.
  if (!state.isActing || !isActingLeader(state, context.now)) return;
  const next = { index: tail.index + 1, term: state.term };
  if (tail.term !== state.term) {
    append(context, { ...tail, ...next }, false);
    return;
  }
  if (state.commitIndex < tail.index) return;
  if (tail.outgoing !== null) {
    append(
      context,
      { ...next, version: tail.version + 1, voters: tail.voters, outgoing: null },
      false,
    );
    return;
  }
  if (!tail.voters.includes(context.id)) {
    transferLeadership(context, undefined, 'removed');
    return;
  }
  if (state.isLeaving && hasTransferTarget(context)) {
    // Going away: hand over to a member that stays, which then removes this one.
    transferLeadership(context, undefined, 'ineligible');
    return;
  }
  const role = leaderRole(context);
  const leaving = leavingMembers(context, role);
  const target = targetOf(context, tail, role, leaving);
  if (isSameMemberSet(target, tail.voters)) {
    context.note(null);
    return;
  }
  const waitingFor = laggingNewMembers(context, tail, target, role);
  if (waitingFor === null) {
    context.note(null);
    startChange(context, tail, target);
    return;
  }
  // Members that are going away are not kept waiting on members that may never come: a pod
  // scaled away is removed now, the additions follow when their members answer.
  const withoutLeavers = removalOf(leaving, tail);
  if (withoutLeavers !== null && laggingNewMembers(context, tail, withoutLeavers, role) === null) {
    startChange(context, tail, withoutLeavers);
  }
  context.note(
    `holding the change from ${describeConfiguration(tail)} to [${target.join(', ')}]: waiting for a majority of the new members to answer heartbeats (not yet: ${waitingFor.join(', ')})`,
  );
}

function startChange(context: StepContext, tail: Configuration, voters: readonly string[]): void {
  const next = { index: tail.index + 1, term: context.state.term, version: tail.version + 1 };
  const outgoing = context.state.mutations.skipJointConsensus === true ? null : tail.voters;
  append(context, { ...next, voters, outgoing }, true);
}

/** The current voters without those asking to leave, when that removes any and leaves some. */
function removalOf(leaving: ReadonlySet<string>, tail: Configuration): readonly string[] | null {
  const staying = tail.voters.filter((member) => !leaving.has(member));
  return staying.length > 0 && staying.length < tail.voters.length ? staying : null;
}

/**
 * The member set to move to, without the members that asked to leave (never empty): the newest
 * desired list while its author answers; the current voters while the author is silent; this
 * leader's own `--members` list when no list change was ever made, or the newest list no longer
 * speaks for its author (see desiredMembers).
 */
function targetOf(
  context: StepContext,
  tail: Configuration,
  role: LeaderRole,
  leaving: ReadonlySet<string>,
): readonly string[] {
  const desired = desiredMembers(context, role, leaving);
  const base = desired === 'hold' ? tail.voters : (desired ?? context.state.startedWith);
  const staying = base.filter((member) => !leaving.has(member));
  return staying.length > 0 ? staying : base;
}

function leavingMembers(context: StepContext, role: LeaderRole): ReadonlySet<string> {
  const leaving = new Set([...role.acks].filter(([, ack]) => ack.isLeaving).map(([peer]) => peer));
  if (context.state.isLeaving) leaving.add(context.id);
  return leaving;
}

/** How recent an author's acknowledgement must be for its desired list to be acted on. */
const authorLivenessTimeouts = 2;

/**
 * The newest desired list, while its author still runs with it and answers: its
 * acknowledgements carry the stamp of its own list, and a different stamp means it has since
 * restarted with another list. While the author is silent (restarting, say) the change waits
 * ('hold'); an author that is leaving, restarted with another list, or silent for
 * `desireAuthorSilenceTimeouts` election timeouts no longer speaks for it (null).
 */
function desiredMembers(
  context: StepContext,
  role: LeaderRole,
  leaving: ReadonlySet<string>,
): readonly string[] | 'hold' | null {
  const { desire, config, ownCounter } = context.state;
  const members = targetMembers(desire);
  if (desire === null || members === null || leaving.has(desire.author)) return null;
  if (desire.author === context.id) return ownCounter === desire.counter ? members : null;
  const ack = role.acks.get(desire.author);
  if (ack !== undefined && ack.ownList.counter !== desire.counter) return null;
  const silentMs = context.now - Math.max(role.since, ack?.sentAt ?? -Infinity);
  if (ack !== undefined && silentMs <= authorLivenessTimeouts * config.electionTimeoutMs) {
    return members;
  }
  return silentMs <= desireAuthorSilenceTimeouts * config.electionTimeoutMs ? 'hold' : null;
}

/**
 * Null when a majority of the new member set has acknowledged a heartbeat at least as recent
 * as the one the lease rests on (or the latest round, when the lease is unbounded), so the joint
 * lease is no shorter than today's; otherwise the new members not yet there.
 */
function laggingNewMembers(
  context: StepContext,
  tail: Configuration,
  target: readonly string[],
  role: LeaderRole,
): readonly string[] | null {
  const ackedAt = (member: string): number | undefined =>
    member === context.id ? Number.POSITIVE_INFINITY : role.acks.get(member)?.sentAt;
  const current = quorumReachedAt(tail, ackedAt) ?? Number.NEGATIVE_INFINITY;
  const needed = Math.min(current, role.lastBroadcastAt);
  const incoming: Configuration = { ...tail, voters: target, outgoing: null };
  const reached = quorumReachedAt(incoming, ackedAt);
  if (reached !== null && reached >= needed) return null;
  return target.filter((member) => (ackedAt(member) ?? Number.NEGATIVE_INFINITY) < needed);
}
