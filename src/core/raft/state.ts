import type { RaftConfig } from './config.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Term and vote: what must reach stable storage before any message that depends on it is sent. */
export interface DurableState {
  readonly term: number;
  readonly votedFor: string | null;
}

/** The latest heartbeat a peer acknowledged in the leader's term. */
export interface PeerAck {
  /** The leader's clock when it sent that heartbeat. */
  readonly sentAt: number;
  readonly isEligible: boolean;
}

export interface FollowerRole {
  readonly role: 'follower';
}

export interface PreCandidateRole {
  readonly role: 'pre-candidate';
  readonly granted: ReadonlySet<string>;
}

export interface CandidateRole {
  readonly role: 'candidate';
  readonly granted: ReadonlySet<string>;
}

export interface LeaderRole {
  readonly role: 'leader';
  readonly since: number;
  readonly nextHeartbeatAt: number;
  readonly acks: ReadonlyMap<string, PeerAck>;
}

export type RoleState = FollowerRole | PreCandidateRole | CandidateRole | LeaderRole;

/**
 * Deliberate breakages, used only by the simulator's mutation tests to prove that it can
 * find the violations each safeguard prevents. Nothing outside tests sets them.
 */
export interface SafeguardMutations {
  readonly skipPreVote?: boolean;
  readonly skipCheckQuorum?: boolean;
  readonly skipLeaderStickiness?: boolean;
  readonly skipStartupStickiness?: boolean;
  readonly leaseFromAckReceipt?: boolean;
  /** A leader acts whenever it holds the role, lease or not: the "broken build" fault tests must catch. */
  readonly ignoreLease?: boolean;
}

export interface NodeState {
  readonly config: RaftConfig;
  readonly mutations: SafeguardMutations;
  readonly term: number;
  readonly votedFor: string | null;
  /** Leader of `term` as far as this member knows. */
  readonly leader: string | null;
  readonly roleState: RoleState;
  /** When a non-leader campaigns if it hears nothing; in [T, 2T] after the last reset. */
  readonly electionDeadline: number;
  /**
   * Last time this member heard from a live leader, or its start time: until T after it, the
   * member refuses votes and pre-votes, because a leader's lease may still rest on its ack.
   */
  readonly lastLeaderContactAt: number;
  /** Whether this member may lead (its workload is healthy). */
  readonly isEligible: boolean;
  /** Whether this member was the acting leader at the end of its last step. */
  readonly isActing: boolean;
}
