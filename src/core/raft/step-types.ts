import type { RaftLeadership } from './leadership-view.js';
import type { PeerMessage } from './messages.js';
import type { DurableState, NodeState } from './state.js';

/** Inputs a driver feeds into `step`. */
export type NodeInput =
  | { readonly type: 'tick' }
  | { readonly type: 'message'; readonly message: PeerMessage }
  /** Hand leadership over (graceful shutdown, resign): to `to`, or to the best reachable peer. */
  | { readonly type: 'transfer'; readonly to?: string }
  /** Whether this member may lead; an ineligible leader hands over, an ineligible follower never campaigns. */
  | { readonly type: 'set-eligible'; readonly isEligible: boolean };

export type ChangeReason =
  | 'started'
  | 'election-started'
  | 'election-won'
  | 'lease-acquired'
  | 'lease-expired'
  | 'quorum-lost'
  | 'higher-term'
  | 'leader-discovered'
  | 'transfer'
  | 'ineligible';

/** Emitted when role, term, leader or acting changed in a step. */
export interface LeadershipChange extends RaftLeadership {
  readonly reason: ChangeReason;
}

export type ElectionResult = 'won' | 'lost' | 'timed-out';

export type StepNotice =
  | { readonly type: 'election-started'; readonly preVote: boolean; readonly transfer: boolean }
  | { readonly type: 'election-finished'; readonly result: ElectionResult }
  | { readonly type: 'transfer-started'; readonly to: string }
  | { readonly type: 'transfer-refused'; readonly reason: string }
  | { readonly type: 'message-ignored'; readonly reason: string };

export interface StepResult {
  /** The next state; the input state is untouched. */
  readonly state: NodeState;
  /** Present when term or vote changed: make it durable BEFORE sending `send`. */
  readonly persist: DurableState | null;
  readonly send: readonly PeerMessage[];
  readonly change: LeadershipChange | null;
  readonly notices: readonly StepNotice[];
  /** The driver must step again with a tick no later than this instant. */
  readonly wakeAt: number;
}
