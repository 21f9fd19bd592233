// Priority on the Lease, as annotations (docs/handover.md, "Priority on the Lease"): the holder
// publishes its own --priority on every acquisition and renewal, and a candidate whose priority
// is higher asks, in one annotation, to be handed the Lease. The request is a metadata-only
// write that leaves the election record alone, like the handover acceptance, so it restarts no
// one's wait for the holder's expiry. client-go readers ignore both annotations.
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';

/** The holder's --priority; absent means 0 (a holder that sets none never outranks anyone). */
export const holderPriorityAnnotation = 'elector.io/holder-priority';
/** One candidate's request to take over: `<token>.<sequence> <priority> <candidate>`. */
const preemptionRequestAnnotation = 'elector.io/preemption-request';

/** A candidate's request to be handed the Lease because its priority is higher than the holder's. */
export interface PreemptionRequest {
  /** The fencing token of the acquisition it is addressed to: stale once the Lease changed hands. */
  readonly token: bigint;
  /** Grows with each request this candidate writes, so a new request never reads as an old one. */
  readonly sequence: number;
  readonly priority: number;
  readonly candidate: string;
}

// Bounded: a 20-digit token, a 15-digit sequence, a 7-digit priority and a member id (a DNS
// name, at most 253 characters) keep the annotation under 300 bytes.
const requestPattern = /^(\d{1,20})\.(\d{1,15}) (\d{1,7}) (\S{1,253})$/;
const priorityPattern = /^\d{1,7}$/;

/** The holder's published priority: its annotation, or 0 when it has none (or one we cannot read). */
export function holderPriorityOf(lease: LeaseSnapshot | null): number {
  const text = lease?.annotations[holderPriorityAnnotation] ?? '';
  return priorityPattern.test(text) ? Number(text) : 0;
}

/** The annotation change an acquisition or renewal carries: the priority, or none for 0. */
export function holderPriorityAnnotations(priority: number): Record<string, string | null> {
  return { [holderPriorityAnnotation]: priority > 0 ? String(priority) : null };
}

/** The request on the Lease, or null (none, or an annotation that is not elector's text). */
export function preemptionRequestOf(lease: LeaseSnapshot | null): PreemptionRequest | null {
  const match = requestPattern.exec(lease?.annotations[preemptionRequestAnnotation] ?? '');
  if (match === null) return null;
  const [, token, sequence, priority, candidate] = match;
  if (token === undefined || sequence === undefined || priority === undefined) return null;
  if (candidate === undefined) return null;
  return {
    token: BigInt(token),
    sequence: Number(sequence),
    priority: Number(priority),
    candidate,
  };
}

/** The request's text, as written in its annotation; equal texts are the same request. */
export function preemptionRequestText(request: PreemptionRequest): string {
  return `${request.token}.${request.sequence} ${request.priority} ${request.candidate}`;
}

/**
 * The candidate's write: its request in the annotation, the election record as it was (so no
 * member's wait for the holder's expiry restarts: that wait keys on the record).
 */
export function preemptionRequestWrite(
  base: LeaseSnapshot,
  request: PreemptionRequest,
): LeaseWrite {
  return {
    spec: base.spec,
    annotations: { [preemptionRequestAnnotation]: preemptionRequestText(request) },
  };
}

/** The annotation change that removes a request (the holder's renewal carries it). */
export function clearedPreemptionRequest(): Record<string, null> {
  return { [preemptionRequestAnnotation]: null };
}
