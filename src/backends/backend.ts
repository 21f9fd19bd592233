import type { ElectionObserver } from '../core/election-events.js';
import type { Leadership } from '../core/leadership.js';

import type { BackendName } from '../core/backend-name.js';

export { backendNames, type BackendName } from '../core/backend-name.js';

/** Leadership as every backend reports it, with where to reach the leader. */
export interface ElectionState extends Leadership {
  /** The leader's advertised address (host:port of its sidecar HTTP API); null if unknown. */
  readonly leaderAddress: string | null;
  /** Raft term, or the backend's nearest equivalent; equal to the fencing token where there is none. */
  readonly term: bigint;
  /** This member's role as the backend sees it (e.g. follower, candidate, leader, waiting). */
  readonly role: string;
}

export interface MemberStatus {
  readonly id: string;
  readonly address: string | null;
  readonly role: string;
  readonly term: bigint | null;
  /** Milliseconds since this member last heard from it; null if never. */
  readonly lastContactMs: number | null;
  readonly isReachable: boolean;
}

/**
 * The one interface every election backend implements (Raft mesh, etcd, ZooKeeper, Lease).
 * Implementations must be safe: `current().isSelf` is true only while the member can prove
 * leadership at this instant, and it turns false before, never after, another member may lead.
 */
export interface ElectionBackend {
  readonly name: BackendName;
  /**
   * Joins the election and keeps campaigning until `signal` aborts. Resolves once the member
   * has joined (not when it leads); rejects with ElectorError if it cannot start at all
   * (e.g. a corrupt state file). Transient backend failures are retried, never thrown.
   */
  start(signal: AbortSignal): Promise<void>;
  /** Leadership at this instant, computed fresh from the lease, never from a cached event. */
  current(): ElectionState;
  /** Calls `listener` after each change of leader, term or acting. Returns an unsubscribe function. */
  onChange(listener: (next: ElectionState) => void): () => void;
  /**
   * Hands leadership over before shutdown: resolves once this member has stopped acting and
   * the handover has been started. A no-op for a follower. Bounded by `signal`.
   */
  resign(signal: AbortSignal): Promise<void>;
  /** While false, the member does not campaign, and a leader hands over (workload health gate). */
  setEligible(isEligible: boolean): void;
  /** Whether the member is connected to its backend or mesh (for /readyz). */
  isReady(): boolean;
  /** All members known to this one. */
  members(): readonly MemberStatus[];
}

export interface BackendContext {
  readonly observe: ElectionObserver;
}
