import type { Leadership } from '../leadership.js';
import { leaseDurationMs, quorumSize } from './config.js';
import type { LeaderRole, NodeState, Role } from './state.js';

/**
 * Send time of the newest heartbeat that a majority (this leader included) has acknowledged,
 * or null before any majority has. Infinity in a one-member cluster.
 */
export function majorityAckedSentAt(state: NodeState, leaderRole: LeaderRole): number | null {
  const peersNeeded = quorumSize(state.config.members.length) - 1;
  if (peersNeeded === 0) return Number.POSITIVE_INFINITY;
  const sentTimes = [...leaderRole.acks.values()].map((ack) => ack.sentAt).sort((a, b) => b - a);
  return sentTimes[peersNeeded - 1] ?? null;
}

/** The instant this leader's lease ends, or null while it holds none. */
export function leaseExpiresAt(state: NodeState): number | null {
  if (state.roleState.role !== 'leader') return null;
  const basis = majorityAckedSentAt(state, state.roleState);
  return basis === null ? null : basis + leaseDurationMs(state.config);
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

/** The leadership seen by this member at `now`; computed fresh, never cached. */
export function leadershipAt(state: NodeState, now: number): RaftLeadership {
  const isSelf = isActingLeader(state, now);
  const expiresAt = leaseExpiresAt(state);
  return {
    leader: state.leader,
    fencingToken: BigInt(state.term),
    isSelf,
    leaseExpiresAt: isSelf && expiresAt !== null && Number.isFinite(expiresAt) ? expiresAt : null,
    term: state.term,
    role: state.roleState.role,
  };
}
