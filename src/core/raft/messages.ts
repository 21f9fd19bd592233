/**
 * Peer messages of the election-only Raft protocol. There is no replicated log: a leader
 * needs only terms and votes, so the messages carry no log indices (thesis §3.4, §9.6).
 */
interface Envelope {
  readonly from: string;
  readonly to: string;
  readonly term: number;
}

/** Pre-vote (thesis §9.6): would you vote for me in `term`? Changes nothing at the receiver. */
export interface PreVoteRequest extends Envelope {
  readonly type: 'pre-vote';
}

export interface PreVoteResponse extends Envelope {
  readonly type: 'pre-vote-response';
  readonly granted: boolean;
}

export interface VoteRequest extends Envelope {
  readonly type: 'vote';
  /** Set only by a candidate told to campaign by the leader's TimeoutNow: voters skip the leader-stickiness check. */
  readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: 'vote-response';
  readonly granted: boolean;
}

export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  /** The leader's own clock when it sent this; echoed back, and opaque to the follower. */
  readonly sentAt: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat-response';
  /** `sentAt` of the heartbeat answered. */
  readonly echo: number;
  /** False when the responder's term is higher than the heartbeat's. */
  readonly success: boolean;
  /** Whether the responder would accept leadership now (its workload is healthy). */
  readonly eligible: boolean;
}

/** Leadership transfer: the leader, already stepped down, tells the target to campaign at once. */
export interface TimeoutNow extends Envelope {
  readonly type: 'timeout-now';
}

export type PeerMessage =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow;

export type PeerMessageType = PeerMessage['type'];

export const peerMessageTypes: readonly PeerMessageType[] = [
  'pre-vote',
  'pre-vote-response',
  'vote',
  'vote-response',
  'heartbeat',
  'heartbeat-response',
  'timeout-now',
];
