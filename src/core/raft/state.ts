import type { RaftConfig } from './config.js';
import type { Configuration, ConfigurationId } from './configuration.js';
import type { DesiredMembers, DesireTag, OwnList } from './desire.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * A member without a configuration promises one seed, durably, that it will help found a cluster
 * only with that seed (see founding.ts). It may move its promise to another list of the same
 * seed, never to another seed, so two foundings that share a member are one founding.
 */
interface FoundingPromise {
  readonly seed: string;
  /** Sorted. */
  readonly members: readonly string[];
}

/**
 * What must reach stable storage before any message that depends on it is sent: term and vote
 * (Raft §5.2), the configuration entry (thesis §4.1: a member uses its newest entry at once), the
 * founding promise, and what the member knows of the desired member lists.
 */
export interface DurableState {
  readonly term: number;
  readonly votedFor: string | null;
  /** The newest configuration entry this member holds; null before it founded or joined a cluster. */
  readonly configuration: Configuration | null;
  readonly promise: FoundingPromise | null;
  /** The `--members` list of the last start and its stamp, to tell a changed list at the next start. */
  readonly startedWith: OwnList | null;
  /** The newest desired member list this member knows of. */
  readonly desire: DesiredMembers | null;
}

/** What a member that never ran starts from. */
export const initialDurableState: DurableState = Object.freeze({
  term: 0,
  votedFor: null,
  configuration: null,
  promise: null,
  startedWith: null,
  desire: null,
});

/** The latest heartbeat a peer acknowledged in the leader's term. */
export interface PeerAck {
  /** The leader's clock when it sent that heartbeat. */
  readonly sentAt: number;
  readonly isEligible: boolean;
  /** The peer asked to be removed (it is going away for good). */
  readonly isLeaving: boolean;
  /** The peer's `--priority` as it last reported it (0 from a peer that reports none). */
  readonly priority: number;
  /**
   * Send time of the first heartbeat of the peer's current unbroken run of eligible
   * acknowledgements (none a lease apart), or null while it is ineligible or leaving: the
   * start of its priority handover window (preemption.ts).
   */
  readonly eligibleSince: number | null;
  /** The peer's own `--members` list and its stamp. */
  readonly ownList: OwnList;
  /** The configuration entry the peer reported holding (durably) in that acknowledgement. */
  readonly configurationId: ConfigurationId;
  /** The newest desire the peer reported knowing. */
  readonly desire: DesireTag | null;
}

interface FollowerRole {
  readonly role: 'follower';
}

interface PreCandidateRole {
  readonly role: 'pre-candidate';
  readonly granted: ReadonlySet<string>;
}

interface CandidateRole {
  readonly role: 'candidate';
  readonly granted: ReadonlySet<string>;
}

export interface LeaderRole {
  readonly role: 'leader';
  readonly since: number;
  readonly nextHeartbeatAt: number;
  /** Send time of the latest heartbeat round. */
  readonly lastBroadcastAt: number;
  readonly acks: ReadonlyMap<string, PeerAck>;
  /** When the joint entry of the change under way was appended, for its duration. */
  readonly changeStartedAt: number | null;
  /** Members outside the configuration that said hello, and when: they get heartbeats too. */
  readonly askedAt: ReadonlyMap<string, number>;
}

type RoleState = FollowerRole | PreCandidateRole | CandidateRole | LeaderRole;

/** The seed's round of founding requests (volatile: a restart starts a new round). */
export interface FoundingRound {
  readonly accepted: ReadonlySet<string>;
  readonly nextAttemptAt: number;
}

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
  /** The leader moves straight from the old member set to the new one, without a joint entry. */
  readonly skipJointConsensus?: boolean;
  /** A member without a configuration founds a cluster from its own list at once. */
  readonly skipFoundingRule?: boolean;
  /** Votes are granted whatever the candidate's configuration entry. */
  readonly skipConfigurationCheck?: boolean;
  /** A member grants a vote in a term in which it already voted for another candidate. */
  readonly grantSecondVote?: boolean;
  /** Pre-votes are granted even while a live leader may rest its lease on this member's ack. */
  readonly skipPreVoteLeaseCheck?: boolean;
  /** The lease lasts T instead of T·(1 − maxClockDrift): no margin for a slow leader clock. */
  readonly skipDriftMargin?: boolean;
  /** A transferring leader sends TimeoutNow but keeps leading (and acting) until deposed. */
  readonly skipTransferStepDown?: boolean;
  /** A transferring leader votes ahead for its target even when the target lacks its configuration entry. */
  readonly voteForStaleTarget?: boolean;
  /** Followers ignore their rank and campaign at a random time in [T, 2T] (elector before ranks). */
  readonly skipRankedCandidacy?: boolean;
  /** Every rank campaigns at the same instant: no step between slots and no jitter inside them. */
  readonly shareCandidacySlot?: boolean;
}

export interface NodeState {
  readonly config: RaftConfig;
  readonly mutations: SafeguardMutations;
  readonly term: number;
  readonly votedFor: string | null;
  readonly configuration: Configuration | null;
  /** Highest configuration index this member knows to be committed (volatile). */
  readonly commitIndex: number;
  readonly promise: FoundingPromise | null;
  /** This member's `--members` list (sorted). */
  readonly startedWith: readonly string[];
  /** The counter this member's list was stamped with (its own desire's tag, authored by itself). */
  readonly ownCounter: number;
  readonly desire: DesiredMembers | null;
  readonly founding: FoundingRound | null;
  /** Leader of `term` as far as this member knows. */
  readonly leader: string | null;
  readonly roleState: RoleState;
  /**
   * When a non-leader campaigns if it hears nothing: its rank's slot after the last heartbeat,
   * or in [T, 2T] after the last reset when it has no rank (succession.ts).
   */
  readonly electionDeadline: number;
  /**
   * The succession order of the last heartbeat from `leader` in this term (the leader's own
   * order while it leads is computed fresh); null when none is known.
   */
  readonly succession: readonly string[] | null;
  /**
   * Last time this member heard from a live leader, or its start time: until T after it, the
   * member refuses votes and pre-votes, because a leader's lease may still rest on its ack.
   */
  readonly lastLeaderContactAt: number;
  /** Whether this member may lead (its workload is healthy). */
  readonly isEligible: boolean;
  /** This member asked to be removed: it never leads again and the leader removes it. */
  readonly isLeaving: boolean;
  /**
   * The leader of the current term said its configuration, committed, is ours and does not count
   * us: no entry any leader holds needs this member any more (volatile).
   */
  readonly isRemovalConfirmed: boolean;
  /** Whether this member was the acting leader at the end of its last step. */
  readonly isActing: boolean;
  /** Why membership is not moving, in words for operators (founding, joining, a held change); null when nothing waits. */
  readonly membershipNote: string | null;
}

export function durableStateOf(state: NodeState): DurableState {
  return {
    term: state.term,
    votedFor: state.votedFor,
    configuration: state.configuration,
    promise: state.promise,
    startedWith: { members: state.startedWith, counter: state.ownCounter },
    desire: state.desire,
  };
}

function isSameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((member, index) => member === b[index]);
}

function isSameConfiguration(a: Configuration | null, b: Configuration | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.index === b.index &&
    a.term === b.term &&
    a.version === b.version &&
    isSameList(a.voters, b.voters) &&
    isSameList(a.outgoing, b.outgoing)
  );
}

/** Field-by-field equality of two durable states (lists compared in order; they are sorted). */
export function isSameDurableState(a: DurableState, b: DurableState): boolean {
  return (
    a.term === b.term &&
    a.votedFor === b.votedFor &&
    isSameConfiguration(a.configuration, b.configuration) &&
    (a.promise === null || b.promise === null
      ? a.promise === b.promise
      : a.promise.seed === b.promise.seed && isSameList(a.promise.members, b.promise.members)) &&
    (a.startedWith === null || b.startedWith === null
      ? a.startedWith === b.startedWith
      : a.startedWith.counter === b.startedWith.counter &&
        isSameList(a.startedWith.members, b.startedWith.members)) &&
    (a.desire === null || b.desire === null
      ? a.desire === b.desire
      : a.desire.counter === b.desire.counter &&
        a.desire.author === b.desire.author &&
        isSameList(a.desire.members, b.desire.members))
  );
}

/** Whether this member may campaign or take over: its workload is healthy and it is not leaving. */
export function mayLead(state: NodeState): boolean {
  return state.isEligible && !state.isLeaving;
}
