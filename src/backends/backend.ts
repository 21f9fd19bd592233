import type { Leadership } from '../core/leadership.js';

import type { BackendName } from '../core/backend-name.js';

export { type BackendName } from '../core/backend-name.js';

/**
 * A member's role, one word per meaning on every backend (`ElectionState.role`,
 * `MemberStatus.role`, `GET /cluster/status`):
 * - `not-started` before start(); `joining` after it, until in the election (connecting, writing
 *   its key or znode, reading the Lease); `stopped` once start's signal aborted.
 * - `follower`: another member is known to lead. `candidate`: no leader is known, or it is first
 *   in line but not yet proven. `pre-candidate` (Raft): asking whether it could win before it
 *   starts an election. `leader`: it can prove its leadership at this instant.
 * - `suspended`: its connection is suspended, or it has led and cannot prove it right now; it
 *   does not act until it has re-verified. `withdrawn`: not eligible (the workload health gate):
 *   it does not campaign, a leader hands over, and it still follows who leads.
 * - Raft, for the other members of its set (MemberStatus only): `voter`, `learner` (being
 *   added), `leaving` (asked to be removed), `removed`, `unknown` (before its state is loaded).
 *   The leader lists a voter whose acknowledgements say it is not eligible as `withdrawn`.
 */
export type MemberRole = LifecycleRole | ElectionRole | PeerRole;
type LifecycleRole = 'not-started' | 'joining' | 'stopped';
type ElectionRole =
  'follower' | 'candidate' | 'pre-candidate' | 'leader' | 'suspended' | 'withdrawn';
type PeerRole = 'voter' | 'learner' | 'leaving' | 'removed' | 'unknown';

/** Leadership as every backend reports it, with where to reach the leader. */
export interface ElectionState extends Leadership {
  /** The leader's advertised address (host:port of its sidecar HTTP API); null if unknown. */
  readonly leaderAddress: string | null;
  /** Raft term, or the backend's nearest equivalent; equal to the fencing token where there is none. */
  readonly term: bigint;
  /** This member's role (see MemberRole). */
  readonly role: MemberRole;
}

export interface MemberStatus {
  readonly id: string;
  readonly address: string | null;
  /** Its role as this member sees it (see MemberRole). */
  readonly role: MemberRole;
  readonly term: bigint | null;
  /** Milliseconds since this member last heard from it; null if never. */
  readonly lastContactMs: number | null;
  readonly isReachable: boolean;
}

/** A risk in how a backend is configured to connect (see connection-warnings.ts). */
export interface BackendWarning {
  /** The log line's stable `event` name, e.g. `security.open-acl`. */
  readonly event: string;
  /** What the risk is and which setting removes it, in one sentence for operators. */
  readonly message: string;
}

/** A configuration entry of the Raft member set, for status pages. */
export interface ConfigurationView {
  readonly version: number;
  readonly index: number;
  readonly term: number;
  readonly voters: readonly string[];
  /** The previous voters while a joint change is under way, else null. */
  readonly outgoing: readonly string[] | null;
  /** Whether this member knows it committed. */
  readonly isCommitted: boolean;
}

/** A member's own `--members` list as the leader last heard it. */
interface MemberListView {
  readonly id: string;
  readonly members: readonly string[];
  /** Its stamp: higher is newer; 0 for a list that never changed since the member first started. */
  readonly counter: number;
  readonly isLeaving: boolean;
}

/** Where the member set stands, as the Raft backend sees it. */
export interface MembershipStatus {
  /** voter, learner (being added), removed, founding (the seed, founding the cluster) or waiting. */
  readonly state: string;
  readonly configuration: ConfigurationView | null;
  /** The joint change under way, or null. */
  readonly change: { readonly from: readonly string[]; readonly to: readonly string[] } | null;
  /** The newest desired member list known here, with its stamp, or null. */
  readonly desired: {
    readonly members: readonly string[];
    readonly counter: number;
    readonly author: string;
  } | null;
  /** This member's own `--members` list and its stamp. */
  readonly ownList: { readonly members: readonly string[]; readonly counter: number };
  /** Whether the newest desired list differs from the configuration (a change is due, under way or held). */
  readonly isPending: boolean;
  /** Why membership waits, in words, or null. */
  readonly note: string | null;
  /** On the leader: each member's own list, as its acknowledgements report it. Elsewhere empty. */
  readonly memberLists: readonly MemberListView[];
}

/** A configuration change this member (as leader) committed. */
interface MembershipEvent {
  readonly type: 'configuration-committed';
  readonly configuration: ConfigurationView;
  /** Set when the entry completes a change of the member set. */
  readonly changeDurationMs: number | null;
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
  /**
   * Resolves once the member has left after start's signal aborted: etcd: its lease revoked (or
   * left to expire) and the client closed; ZooKeeper: its session closed; Lease: released, or
   * the renew deadline spent trying; Raft: the transport closed and the last state saved.
   * Resolves at once if start() was never called. Never rejects.
   */
  stopped(): Promise<void>;
  /** Leadership at this instant, computed fresh from the lease, never from a cached event. */
  current(): ElectionState;
  /** Calls `listener` after each change of leader, term or acting. Returns an unsubscribe function. */
  onChange(listener: (next: ElectionState) => void): () => void;
  /**
   * Hands leadership over (shutdown, `POST /leader/resign`): resolves once this member has
   * stopped acting and the handover has been started. A no-op for a follower. Bounded by
   * `signal`.
   *
   * With `to` (a member id), the handover is to that member only: on success this member has
   * stopped acting and `to` is the one asked to lead next (it leads unless it fails before
   * taking over, which ends in a normal election). Otherwise the call rejects with
   * ElectorError `TRANSFER_FAILED` (the target is unknown, ineligible, unreachable, not a
   * candidate, or the backend cannot hand over to a named member) and this member still leads,
   * its fencing token unchanged. See docs/handover.md.
   */
  resign(signal: AbortSignal, to?: string): Promise<void>;
  /** While false, the member does not campaign, and a leader hands over (workload health gate). */
  setEligible(isEligible: boolean): void;
  /** Whether the member is connected to its backend or mesh (for /readyz). */
  isReady(): boolean;
  /**
   * While `isReady()` is false for a reason the member knows and an operator can act on (Raft:
   * its state directory cannot be written), that reason in words; null otherwise. Shown by
   * /readyz, /cluster/status and `elector status`.
   */
  notReadyReason?(): string | null;
  /**
   * What is unsafe about this member's connection to its backend (open ACLs, credentials in
   * clear text), fixed by its settings; empty when nothing is. Logged once by start() and shown
   * by /cluster/status and `elector status`. Backends that have none leave it out.
   */
  warnings?(): readonly BackendWarning[];
  /** All members known to this one. */
  members(): readonly MemberStatus[];
  /** The replicated member set (Raft only; other backends leave it out). */
  membership?(): MembershipStatus;
  /** Calls `listener` for each configuration change this member commits. Raft only. */
  onMembershipEvent?(listener: (event: MembershipEvent) => void): () => void;
  /**
   * This member is going away for good (its pod was scaled away): it hands leadership over,
   * asks the leader to remove it, and resolves true once the leader confirmed the removal
   * committed, or false when `signal` aborts first. Raft only.
   */
  leave?(signal: AbortSignal): Promise<boolean>;
}
