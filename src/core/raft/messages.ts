import type { Configuration, ConfigurationId } from './configuration.js';
import type { DesiredMembers, DesireTag, OwnList } from './desire.js';

/**
 * Peer messages of the election-only Raft protocol. The only replicated state is the
 * configuration (the member set), so where Raft compares logs these messages compare
 * configuration entries (thesis §3.4, §4.3, §9.6).
 */
interface Envelope {
  readonly from: string;
  readonly to: string;
  readonly term: number;
}

/** Pre-vote (thesis §9.6): would you vote for me in `term`? Changes nothing at the receiver. */
export interface PreVoteRequest extends Envelope {
  readonly type: 'pre-vote';
  /** The candidate's newest configuration entry: voters refuse one older than their own. */
  readonly configurationId: ConfigurationId;
}

export interface PreVoteResponse extends Envelope {
  readonly type: 'pre-vote-response';
  readonly granted: boolean;
  /** The voter's committed configuration, when it refused because the candidate's is older. */
  readonly configuration?: Configuration;
}

export interface VoteRequest extends Envelope {
  readonly type: 'vote';
  /** Set only by a candidate told to campaign by the leader's TimeoutNow: voters skip the leader-stickiness check. */
  readonly transfer: boolean;
  readonly configurationId: ConfigurationId;
}

export interface VoteResponse extends Envelope {
  readonly type: 'vote-response';
  readonly granted: boolean;
  readonly configuration?: Configuration;
}

export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  /** The leader's own clock when it sent this; echoed back, and opaque to the follower. */
  readonly sentAt: number;
  /** The leader's newest configuration entry. */
  readonly configurationId: ConfigurationId;
  /** The entry itself, sent while the leader does not know the follower holds it. */
  readonly configuration?: Configuration;
  /** Highest configuration index the leader knows to be committed. */
  readonly commitIndex: number;
  /** The newest desired member list the leader knows. */
  readonly desireTag: DesireTag | null;
  /** That list, sent while the follower has not reported knowing it. */
  readonly desire?: DesiredMembers;
  /**
   * The leader's succession order (see succession.ts): who campaigns first should it fall
   * silent. Absent from a leader of an older version, or when no one is in line.
   */
  readonly succession?: readonly string[];
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat-response';
  /** `sentAt` of the heartbeat answered. */
  readonly echo: number;
  /** False when the responder's term is higher than the heartbeat's. */
  readonly success: boolean;
  /** Whether the responder would accept leadership now (its workload is healthy). */
  readonly eligible: boolean;
  /** Set when the responder asks to be removed from the configuration (it is going away). */
  readonly leaving?: boolean;
  /** The responder's `--priority`; absent means 0 (also from an older version). */
  readonly priority?: number;
  /** The responder's own `--members` list and its stamp (see desire.ts). */
  readonly ownList: OwnList;
  /** The configuration entry the responder holds durably now. */
  readonly configurationId: ConfigurationId;
  /** The newest desire the responder knows. */
  readonly desireTag: DesireTag | null;
  /** That desire, when it is newer than the heartbeat's. */
  readonly desire?: DesiredMembers;
}

/**
 * Leadership transfer: the leader of `term`, already stepped down, tells the target to campaign
 * at once. With `withVote` it has also voted for the target in term `term + 1` (durably, before
 * sending), so the target counts that vote without asking for it.
 */
export interface TimeoutNow extends Envelope {
  readonly type: 'timeout-now';
  readonly withVote?: true;
}

/** The seed asks a member without a configuration to found a cluster of `members` with it. */
export interface FoundRequest extends Envelope {
  readonly type: 'found';
  readonly members: readonly string[];
}

export interface FoundResponse extends Envelope {
  readonly type: 'found-response';
  readonly members: readonly string[];
  /** True once the responder has durably promised this seed. */
  readonly accepted: boolean;
  /** Why not, for the seed's log and status. */
  readonly reason?: string;
  /** The responder's configuration entry: not the initial one when a cluster already exists. */
  readonly configurationId: ConfigurationId;
}

/** A member that is not a voter, or has no leader, asks where the cluster stands. */
export interface Hello extends Envelope {
  readonly type: 'hello';
  readonly configurationId: ConfigurationId;
  readonly desireTag: DesireTag | null;
}

export interface HelloResponse extends Envelope {
  readonly type: 'hello-response';
  readonly leader: string | null;
  /** The responder's configuration, when it knows it committed and it is not older than the asker's. */
  readonly configuration?: Configuration;
  /** Set when the responder leads and `configuration` is its newest entry, committed. */
  readonly isLeaderCommitted?: boolean;
  /** The responder's newest desire, when newer than the asker's. */
  readonly desire?: DesiredMembers;
}

export type PeerMessage =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow
  | FoundRequest
  | FoundResponse
  | Hello
  | HelloResponse;

export type PeerMessageType = PeerMessage['type'];

export const peerMessageTypes: readonly PeerMessageType[] = [
  'pre-vote',
  'pre-vote-response',
  'vote',
  'vote-response',
  'heartbeat',
  'heartbeat-response',
  'timeout-now',
  'found',
  'found-response',
  'hello',
  'hello-response',
];

/** Messages about founding and discovery: they stand outside terms, and the term rule skips them. */
export function isMembershipDiscovery(
  message: PeerMessage,
): message is FoundRequest | FoundResponse | Hello | HelloResponse {
  return (
    message.type === 'found' ||
    message.type === 'found-response' ||
    message.type === 'hello' ||
    message.type === 'hello-response'
  );
}
