// The Lease handover to a named member, as annotations and writes on the Lease (docs/handover.md).
// The holder asks (request annotation), the named member answers (accept annotation, a
// metadata-only write that leaves the election record alone), and the holder, having stopped
// acting, writes the target into holderIdentity as a new acquisition would: leaseTransitions
// grows by one and acquireTime and renewTime are fresh. client-go readers see only that last
// write, an ordinary change of holder; they ignore the annotations.
import { microTime, type LeaseSnapshot, type LeaseWrite } from './lease-client.js';
import { leaderAddressAnnotation, tokenOf } from './lease-record.js';
import { clearedPreemptionRequest, holderPriorityAnnotation } from './lease-priority-record.js';

/** Set by the holder while it asks `to` to take over: `<id> <to>`. */
const handoverRequestAnnotation = 'elector.io/handover-request';
/** Set by the named member: the id of the request it accepts. */
const handoverAcceptedAnnotation = 'elector.io/handover-accepted';

/** One request of the holder to hand the Lease to `to`; `id` tells it from earlier requests. */
export interface HandoverRequest {
  /** `<fencing token>.<sequence>`: unique per holder and acquisition. */
  readonly id: string;
  readonly to: string;
}

const requestPattern = /^(\d{1,20}\.\d{1,15}) (\S.*)$/;

/** The handover the Lease's holder asks for, or null (none, or an annotation we cannot read). */
export function handoverRequestOf(lease: LeaseSnapshot | null): HandoverRequest | null {
  const match = requestPattern.exec(lease?.annotations[handoverRequestAnnotation] ?? '');
  const [, id, to] = match ?? [];
  return id === undefined || to === undefined ? null : { id, to };
}

/** Whether the named member has accepted the request `requestId` on this version of the Lease. */
export function isHandoverAccepted(lease: LeaseSnapshot | null, requestId: string): boolean {
  return lease?.annotations[handoverAcceptedAnnotation] === requestId;
}

/** The annotation changes a holder's renewal carries: the request in force, or none. */
export function handoverAnnotations(
  request: HandoverRequest | null,
): Readonly<Record<string, string | null>> {
  return request === null
    ? { [handoverRequestAnnotation]: null, [handoverAcceptedAnnotation]: null }
    : {
        [handoverRequestAnnotation]: `${request.id} ${request.to}`,
        [handoverAcceptedAnnotation]: null,
      };
}

/**
 * The named member's answer: the request's id in the accept annotation, the election record as
 * it was (so no member's wait for the holder's expiry restarts: that wait keys on the record).
 */
export function acceptWrite(base: LeaseSnapshot, requestId: string): LeaseWrite {
  return { spec: base.spec, annotations: { [handoverAcceptedAnnotation]: requestId } };
}

/**
 * The holder's last write: `to` holds the Lease, as if it had acquired it (leaseTransitions + 1,
 * fresh acquireTime and renewTime, the holder's lease duration), and the handover annotations
 * and the old leader's address are gone. `to` acts only after its own conditional write on top
 * of this one succeeds.
 */
export function handoverWrite(base: LeaseSnapshot, to: string, wallMs: number): LeaseWrite {
  const now = microTime(wallMs);
  return {
    spec: {
      holderIdentity: to,
      leaseDurationSeconds: base.spec.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: Number(tokenOf(base)) + 1,
    },
    // The old holder's priority and any preemption request go with it; the target publishes
    // its own priority with its acquisition.
    annotations: {
      ...handoverAnnotations(null),
      ...clearedPreemptionRequest(),
      [leaderAddressAnnotation]: null,
      [holderPriorityAnnotation]: null,
    },
  };
}
