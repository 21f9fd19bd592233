// What a member reads from and writes to the Lease, following client-go's leaderelection rules
// (tools/leaderelection/leaderelection.go, resourcelock/leaselock.go): a lease is expired only
// by local observation, a new holder increments leaseTransitions, and a release clears the
// holder in one conditional update.
import { microTime, type LeaseSnapshot, type LeaseWrite } from './lease-client.js';
import type { LeaseSettings } from './options.js';
import {
  clearedPreemptionRequest,
  holderPriorityAnnotation,
  holderPriorityAnnotations,
} from './lease-priority-record.js';

/** Where the leader's sidecar can be reached; set while it holds the Lease. */
export const leaderAddressAnnotation = 'elector.io/leader-address';
/**
 * The holder's lease duration in milliseconds. spec.leaseDurationSeconds is whole seconds (and
 * elector rounds it up), so members read this annotation for the exact figure.
 */
const leaseDurationAnnotation = 'elector.io/lease-duration-ms';

/** The Lease as this member last saw it, and when (its own monotonic clock) it first saw it so. */
export interface Observation {
  /** null: the Lease does not exist. */
  readonly lease: LeaseSnapshot | null;
  /** The election record's identity: it changes whenever the holder writes, renewals included. */
  readonly key: string;
  readonly observedAtMs: number;
}

/** The record fields whose change restarts a candidate's wait (client-go compares the record). */
export function recordKey(lease: LeaseSnapshot | null): string {
  if (lease === null) return 'absent';
  const spec = lease.spec;
  return JSON.stringify([
    spec.holderIdentity ?? '',
    spec.renewTime,
    spec.acquireTime,
    spec.leaseTransitions,
    spec.leaseDurationSeconds,
  ]);
}

/** The holder's identity; null when nobody holds the Lease (absent, never taken, or released). */
export function holderOf(lease: LeaseSnapshot | null): string | null {
  const holder = lease?.spec.holderIdentity ?? null;
  return holder === '' ? null : holder;
}

/** The fencing token: spec.leaseTransitions, which each acquisition increments. */
export function tokenOf(lease: LeaseSnapshot | null): bigint {
  return BigInt(Math.max(0, lease?.spec.leaseTransitions ?? 0));
}

/** The duration the holder asked others to wait, from the annotation or the spec. */
function advertisedDurationMs(lease: LeaseSnapshot): number {
  const annotated = lease.annotations[leaseDurationAnnotation];
  if (annotated !== undefined && /^\d{1,9}$/.test(annotated) && Number(annotated) > 0) {
    return Number(annotated);
  }
  return (lease.spec.leaseDurationSeconds ?? 0) * 1000;
}

/**
 * When, on this member's clock, it may treat the observed record as expired: a full lease
 * duration after it first saw the record unchanged. The remote renewTime is never compared
 * with the local wall clock, so clock skew between nodes does not matter; only a difference in
 * clock *rate* does, and leaseDuration − renewDeadline is the margin for it. Of our own
 * duration and the holder's, the longer is used, so a member configured shorter never cuts a
 * holder's lease short.
 */
export function localExpiryMs(observation: Observation, settings: LeaseSettings): number {
  const lease = observation.lease;
  const durationMs =
    lease === null
      ? settings.leaseDurationMs
      : Math.max(settings.leaseDurationMs, advertisedDurationMs(lease));
  return observation.observedAtMs + durationMs;
}

function ownAnnotations(settings: LeaseSettings): Record<string, string | null> {
  return {
    [leaderAddressAnnotation]: settings.address,
    [leaseDurationAnnotation]: String(settings.leaseDurationMs),
    ...holderPriorityAnnotations(settings.priority),
  };
}

function leaseDurationSeconds(settings: LeaseSettings): number {
  return Math.max(1, Math.ceil(settings.leaseDurationMs / 1000));
}

/**
 * Takes the Lease: this member becomes the holder and leaseTransitions grows by one, so the
 * fencing token of every acquisition is higher than any before it. On a Lease that does not
 * exist yet the first token is 1; 0 means no member has ever led.
 */
export function acquireWrite(
  base: LeaseSnapshot | null,
  settings: LeaseSettings,
  wallMs: number,
): LeaseWrite {
  const now = microTime(wallMs);
  return {
    spec: {
      holderIdentity: settings.memberId,
      leaseDurationSeconds: leaseDurationSeconds(settings),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: Number(tokenOf(base)) + 1,
    },
    // A request addressed to the previous holder is stale: the new holder starts without one.
    annotations: { ...ownAnnotations(settings), ...clearedPreemptionRequest() },
  };
}

/** Renews the Lease: a new renewTime, everything else as it was. */
export function renewWrite(
  base: LeaseSnapshot,
  settings: LeaseSettings,
  wallMs: number,
): LeaseWrite {
  return {
    spec: {
      holderIdentity: settings.memberId,
      leaseDurationSeconds: leaseDurationSeconds(settings),
      acquireTime: base.spec.acquireTime ?? microTime(wallMs),
      renewTime: microTime(wallMs),
      leaseTransitions: base.spec.leaseTransitions ?? 0,
    },
    annotations: ownAnnotations(settings),
  };
}

/**
 * Releases the Lease in one conditional update, as client-go's ReleaseOnCancel does: no
 * holder, a one-second duration and a fresh renewTime, so followers (and client-go readers)
 * may take it at once. leaseTransitions is kept; the next holder increments it.
 */
export function releaseWrite(base: LeaseSnapshot, wallMs: number): LeaseWrite {
  const now = microTime(wallMs);
  return {
    spec: {
      holderIdentity: null,
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: base.spec.leaseTransitions ?? 0,
    },
    annotations: {
      [leaderAddressAnnotation]: null,
      [leaseDurationAnnotation]: null,
      [holderPriorityAnnotation]: null,
      ...clearedPreemptionRequest(),
    },
  };
}

/**
 * Whether `candidate` is an older version of the object than `current`. resourceVersions are
 * opaque by contract; when both are decimal (etcd revisions, as every apiserver serves them)
 * they are compared, which keeps a late GET answer from undoing a newer watch event.
 */
export function isOlderVersion(candidate: string, current: string): boolean {
  if (!/^\d{1,30}$/.test(candidate) || !/^\d{1,30}$/.test(current)) return false;
  return BigInt(candidate) < BigInt(current);
}
