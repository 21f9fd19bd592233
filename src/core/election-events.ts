/**
 * Facts a backend reports for metrics and logs. Backends never import prom-client: they call an
 * `observe(event)` function handed to them, and http/metrics/ turns events into series.
 */
export type ElectionEvent =
  | { readonly type: 'election-started' }
  | { readonly type: 'election-finished'; readonly result: 'won' | 'lost' | 'timed-out' }
  | {
      readonly type: 'peer-message';
      readonly messageType: string;
      readonly direction: 'in' | 'out';
      readonly result: 'accepted' | 'dropped';
      readonly reason?: PeerDropReason;
    }
  /** Raft: the peer port closed a connection on arrival, before any byte of it was read. */
  | { readonly type: 'peer-connection-refused'; readonly reason: PeerRefusalReason }
  | { readonly type: 'quorum-lost' }
  | { readonly type: 'transfer'; readonly result: 'started' | 'refused' }
  | { readonly type: 'backend-error'; readonly operation: string; readonly code: string }
  /** Raft: saving the durable state failed; the member neither votes nor leads until one succeeds. */
  | { readonly type: 'state-save-failed'; readonly reason: StateSaveFailureReason }
  /** A watch notification that wakes a candidate to re-check its place in the queue. */
  | { readonly type: 'watch-event' }
  /**
   * A watch notification that only tells a follower the leader's key is gone, so it re-reads
   * who leads at once instead of at its next periodic read (etcd and ZooKeeper: followers
   * behind the successor).
   */
  | { readonly type: 'leader-watch-event' }
  /**
   * Raft: this leader committed a configuration entry; `changeDurationMs` is set when it
   * completes a change of the member set (from the joint entry's append to the final commit).
   */
  | { readonly type: 'configuration-committed'; readonly changeDurationMs: number | null };

/** Why a save of the durable state failed, from the system's error code (EROFS, ENOSPC, ...). */
export type StateSaveFailureReason =
  'read-only' | 'no-space' | 'permission' | 'not-a-directory' | 'io-error' | 'other';

/** Every StateSaveFailureReason, for series that start at zero. */
export const stateSaveFailureReasons: readonly StateSaveFailureReason[] = [
  'read-only',
  'no-space',
  'permission',
  'not-a-directory',
  'io-error',
  'other',
];

export type PeerDropReason =
  | 'malformed'
  | 'oversize'
  | 'unauthenticated'
  | 'unknown-peer'
  | 'not-for-us'
  | 'unreachable'
  | 'queue-full';

/**
 * Why the peer port refused a connection: every pre-authentication slot for unknown addresses
 * was taken, its source address had its share of them, or the transport was stopping.
 */
export const peerRefusalReasons = ['handshake-limit', 'address-limit', 'stopping'] as const;

export type PeerRefusalReason = (typeof peerRefusalReasons)[number];

export type ElectionObserver = (event: ElectionEvent) => void;

export const ignoreElectionEvents: ElectionObserver = () => undefined;
