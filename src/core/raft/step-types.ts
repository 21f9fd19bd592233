import type { RaftLeadership } from './leadership-view.js';
import type { Configuration } from './configuration.js';
import type { PeerMessage } from './messages.js';
import type { DurableState, NodeState } from './state.js';

/** Inputs a driver feeds into `step`. */
export type NodeInput =
  | { readonly type: 'tick' }
  | { readonly type: 'message'; readonly message: PeerMessage }
  /** Hand leadership over (graceful shutdown, resign): to `to`, or to the best reachable peer. */
  | { readonly type: 'transfer'; readonly to?: string }
  /** Whether this member may lead; an ineligible leader hands over, an ineligible follower never campaigns. */
  | { readonly type: 'set-eligible'; readonly isEligible: boolean }
  /**
   * This member is going away for good (its pod was scaled away): it hands over leadership,
   * never campaigns again, and asks the leader to remove it. It keeps voting until removed,
   * so the majority that must commit its removal stays whole.
   */
  | { readonly type: 'leave' };

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
  | 'preempted'
  | 'ineligible'
  | 'removed';

/** Emitted when role, term, leader or acting changed in a step. */
export interface LeadershipChange extends RaftLeadership {
  readonly reason: ChangeReason;
}

type ElectionResult = 'won' | 'lost' | 'timed-out';

export type StepNotice =
  | { readonly type: 'election-started'; readonly preVote: boolean; readonly transfer: boolean }
  | { readonly type: 'election-finished'; readonly result: ElectionResult }
  | { readonly type: 'transfer-started'; readonly to: string }
  | { readonly type: 'transfer-refused'; readonly reason: string }
  | { readonly type: 'message-ignored'; readonly reason: string }
  /** This member founded a cluster (the seed) with this configuration. */
  | { readonly type: 'founded'; readonly configuration: Configuration }
  /** The leader appended a configuration entry (joint, final, or its term's confirmation). */
  | { readonly type: 'configuration-appended'; readonly configuration: Configuration }
  /**
   * The leader saw a configuration entry of its term reach every majority it needs. For the
   * final entry of a change, `changeDurationMs` runs from its joint entry's append.
   */
  | {
      readonly type: 'configuration-committed';
      readonly configuration: Configuration;
      readonly changeDurationMs: number | null;
    }
  /** This member took a newer configuration entry from the leader or a committed one from a peer. */
  | { readonly type: 'configuration-adopted'; readonly configuration: Configuration }
  /** Membership is waiting, and why (founding, joining, a held change). */
  | { readonly type: 'membership-waiting'; readonly reason: string };

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
