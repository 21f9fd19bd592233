import { leaseDurationMs, type RaftTiming } from './config.js';
import type { NodeState, SafeguardMutations } from './state.js';

/**
 * Ranked, staggered candidacy. The leader ranks the members that could follow it, and tells
 * them the order in every heartbeat; when it falls silent, rank r starts pre-vote at
 * T + margin + (r − 1)·step after the last heartbeat it received, instead of at a random time
 * in [T, 2T]. docs/raft-safety.md ("Ranked candidacy") argues the numbers.
 */

/**
 * How long after T rank 1 waits: the voters refuse pre-votes until T after the heartbeat they
 * received last, and that heartbeat may reach them later than it reached the candidate. Half
 * a heartbeat interval covers the spread of one heartbeat round's arrival on any network
 * where heartbeats keep a leader (a round trip is a small part of the interval).
 */
export function candidacyMarginMs(timing: RaftTiming): number {
  return Math.ceil(timing.heartbeatIntervalMs / 2);
}

/**
 * How far apart two ranks start: rank r's election (a pre-vote and a vote round trip, two
 * persists) and its first heartbeat must normally land before rank r + 1's slot opens. The
 * heartbeat interval is many round trips wherever the configured timing keeps a leader.
 */
export function candidacyStepMs(timing: RaftTiming, mutations: SafeguardMutations = {}): number {
  return mutations.shareCandidacySlot === true ? 0 : timing.heartbeatIntervalMs;
}

/**
 * Delay from a heartbeat to rank `rank`'s candidacy (rank ≥ 1). `draw` in [0, 1) places it
 * inside its slot: a jitter of less than a quarter step, so two ranks never share an instant.
 */
export function rankedCandidacyDelayMs(
  timing: RaftTiming,
  rank: number,
  draw: number,
  mutations: SafeguardMutations = {},
): number {
  const step = candidacyStepMs(timing, mutations);
  const jitter = Math.floor(draw * (step / 4));
  return timing.electionTimeoutMs + candidacyMarginMs(timing) + (rank - 1) * step + jitter;
}

/** Rank 1 is the first successor; null when `id` is not in `succession` (or none is known). */
function rankIn(succession: readonly string[] | null, id: string): number | null {
  const index = succession?.indexOf(id) ?? -1;
  return index < 0 ? null : index + 1;
}

/**
 * The election deadline a follower sets on a heartbeat that carried `succession`: its rank's
 * slot, or the random [T, 2T] of Raft §5.2 when it holds no rank (not in line, a leader of an
 * older version, or ranks switched off by a mutation).
 */
export function deadlineAfterHeartbeat(
  state: NodeState,
  now: number,
  draw: number,
  succession: readonly string[] | null,
): number {
  const { config, mutations } = state;
  const rank = mutations.skipRankedCandidacy === true ? null : rankIn(succession, config.id);
  if (rank === null) {
    return now + config.electionTimeoutMs + Math.floor(draw * (config.electionTimeoutMs + 1));
  }
  return now + rankedCandidacyDelayMs(config, rank, draw, mutations);
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The leader's succession order at `now`: the voters of its newest entry (itself aside) that
 * acknowledged within a lease, eligible and not leaving; highest priority first, then by
 * member ID. The ID, not the freshest acknowledgement, breaks ties so the order does not churn
 * from one heartbeat to the next: a member that missed a round still holds the rank the others
 * hold. Empty for a non-leader.
 */
export function successionOrder(state: NodeState, now: number): readonly string[] {
  const { roleState, configuration, config } = state;
  if (roleState.role !== 'leader' || configuration === null) return [];
  const since = now - leaseDurationMs(config);
  return [...roleState.acks]
    .filter(
      ([peer, ack]) =>
        peer !== config.id &&
        configuration.voters.includes(peer) &&
        ack.isEligible &&
        !ack.isLeaving &&
        ack.sentAt >= since,
    )
    .sort(([a, ackA], [b, ackB]) => ackB.priority - ackA.priority || byId(a, b))
    .map(([peer]) => peer);
}

/**
 * Each member's place in the succession as this member sees it at `now`: 0 the leader, then
 * 1, 2, … in order. A leader ranks from its own acknowledgements, a follower from its leader's
 * last heartbeat; a member missing from the map is not in line (or the order is unknown).
 */
export function successionRanks(state: NodeState, now: number): ReadonlyMap<string, number> {
  const ranks = new Map<string, number>();
  if (state.leader === null) return ranks;
  ranks.set(state.leader, 0);
  const order =
    state.roleState.role === 'leader' ? successionOrder(state, now) : (state.succession ?? []);
  order.forEach((member, index) => ranks.set(member, index + 1));
  return ranks;
}

/** A member's `--priority` as this member knows it: its own, or as a peer last reported it to this leader. */
export function knownPriority(state: NodeState, id: string): number | null {
  if (id === state.config.id) return state.config.priority ?? 0;
  if (state.roleState.role !== 'leader') return null;
  return state.roleState.acks.get(id)?.priority ?? null;
}
