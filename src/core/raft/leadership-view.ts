import type { Leadership } from '../leadership.js';
import { leaseDurationMs } from './config.js';
import { quorumReachedAt } from './configuration.js';
import type { LeaderRole, NodeState, Role } from './state.js';

/**
 * Send time of the newest heartbeat that a majority of every member set in force has
 * acknowledged (this leader counting itself where it votes), or null before one has. Infinity
 * when the leader alone is a majority.
 */
export function majorityAckedSentAt(state: NodeState, leaderRole: LeaderRole): number | null {
  if (state.configuration === null) return null;
  const self = state.config.id;
  return quorumReachedAt(state.configuration, (member) =>
    member === self ? Number.POSITIVE_INFINITY : leaderRole.acks.get(member)?.sentAt,
  );
}

/** The instant this leader's lease ends, or null while it holds none. */
export function leaseExpiresAt(state: NodeState): number | null {
  if (state.roleState.role !== 'leader') return null;
  const basis = majorityAckedSentAt(state, state.roleState);
  if (basis === null) return null;
  const duration =
    state.mutations.skipDriftMargin === true
      ? state.config.electionTimeoutMs
      : leaseDurationMs(state.config);
  return basis + duration;
}

/** True only while this member leads and its lease is live at `now`. */
export function isActingLeader(state: NodeState, now: number): boolean {
  if (state.mutations.ignoreLease === true) return state.roleState.role === 'leader';
  const expiresAt = leaseExpiresAt(state);
  return expiresAt !== null && now < expiresAt;
}

export interface RaftLeadership extends Leadership {
  readonly term: number;
  readonly role: Role;
}

/**
 * The lease deadline to report at `now`. A leader that is a majority by itself acknowledges its
 * own heartbeat at every instant, so its lease is renewed continuously: it ends one full lease
 * after `now`. Reporting that (rather than no deadline) keeps the deadline a number the HTTP
 * API and elector_lease_remaining_seconds read as "a full lease left".
 */
function reportedLeaseExpiresAt(state: NodeState, now: number): number | null {
  const expiresAt = leaseExpiresAt(state);
  if (expiresAt === null) return null;
  return Number.isFinite(expiresAt) ? expiresAt : now + leaseDurationMs(state.config);
}

/** The leadership seen by this member at `now`; computed fresh, never cached. */
export function leadershipAt(state: NodeState, now: number): RaftLeadership {
  const isSelf = isActingLeader(state, now);
  return {
    leader: state.leader,
    fencingToken: BigInt(state.term),
    isSelf,
    leaseExpiresAt: isSelf ? reportedLeaseExpiresAt(state, now) : null,
    term: state.term,
    role: state.roleState.role,
  };
}
