import { z } from 'zod';
import { ElectorError } from '../core/errors.js';

/**
 * How long a queue backend's leader (etcd, ZooKeeper) waits for the members ahead of the target
 * to step aside before it refuses. Each step aside is a delete and a create, woken by one watch,
 * so a few round trips suffice; 4 s stays within the HTTP resign timeout (`--shutdown-timeout`,
 * 5 s by default), as the Lease's two retry periods do.
 */
export const queueHandoverDeadlineMs = 4000;

/** How often the queue leader re-reads the queue while it waits on a handover. */
export const queueHandoverPollMs = 50;

/** One candidate of a queue backend, in queue order, as the handover rules need it. */
export interface QueuedCandidate {
  /** Member ID from an elector record; null for a candidate elector did not write (foreign). */
  readonly id: string | null;
  /** How it is shown: its ID, or a foreign candidate's raw value. */
  readonly displayId: string;
  /** Its key (etcd) or znode name (ZooKeeper): unique to this candidacy, never reused. */
  readonly place: string;
}

/** The handover record the queue leader writes beside the queue (docs/handover.md). */
export interface HandoverRecord {
  /** The member the leader hands over to. */
  readonly to: string;
  /** The leader's own place (key or znode name): the record only counts while that place leads. */
  readonly from: string;
  /**
   * Set by the target itself, on the leader's record, once it has seen the record while eligible
   * and queued: the proof that it is a live, eligible candidate, without which the leader never
   * resigns (a member that withdrew a moment ago may still hold its place).
   */
  readonly accepted?: boolean | undefined;
}

/**
 * Whether the member `selfId` at `ownPlace` should accept `record`: it is the target, and the
 * record's leader still leads and has not been answered yet.
 */
export function mustAccept(
  queue: readonly QueuedCandidate[],
  selfId: string,
  record: HandoverRecord | null,
): boolean {
  return (
    record !== null &&
    record.to === selfId &&
    record.accepted !== true &&
    queue[0]?.place === record.from
  );
}

/** Where a handover stands, as the leader sees the queue. */
export type HandoverProgress =
  | { readonly kind: 'ready' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * What the leader (at `selfPlace`, member `selfId`) may do about a handover to `to` over `queue`:
 * `ready` once `to` is directly behind it, `wait` while members ahead of `to` may still step
 * aside, `refuse` when that can never happen. A foreign candidate ahead of `to` never steps aside,
 * and is never passed over, so it is refused at once rather than at the deadline.
 */
export function handoverProgress(
  queue: readonly QueuedCandidate[],
  selfPlace: string,
  selfId: string,
  to: string,
): HandoverProgress {
  if (to === selfId) return refuse(`"${to}" is this member itself`);
  if (queue[0]?.place !== selfPlace) return refuse('this member no longer leads');
  const targetIndex = queue.findIndex((candidate) => candidate.id === to);
  if (targetIndex < 0) {
    return refuse(
      `"${to}" is not a candidate of this election: unknown, or not eligible (withdrawn members leave the queue)`,
    );
  }
  const foreign = queue.slice(1, targetIndex).find((candidate) => candidate.id === null);
  if (foreign !== undefined) {
    return refuse(
      `a candidate elector does not manage ("${foreign.displayId}") is queued ahead of "${to}"; it would not step aside, and no candidate is passed over`,
    );
  }
  return targetIndex === 1 ? { kind: 'ready' } : { kind: 'wait' };
}

/**
 * Whether the member at `ownPlace` must step aside (give up its place and queue again at the
 * back) for `record`: only while the record's leader leads, and only if it is queued between
 * that leader and the target. The target, the leader and everyone behind the target stay.
 */
export function mustStepAside(
  queue: readonly QueuedCandidate[],
  ownPlace: string,
  record: HandoverRecord | null,
): boolean {
  if (record === null || queue[0]?.place !== record.from) return false;
  const ownIndex = queue.findIndex((candidate) => candidate.place === ownPlace);
  const targetIndex = queue.findIndex((candidate) => candidate.id === record.to);
  return ownIndex > 0 && targetIndex > ownIndex;
}

/** A refused handover; the leader still leads (docs/handover.md). */
export function handoverRefused(reason: string): ElectorError {
  return new ElectorError('TRANSFER_FAILED', `leadership transfer refused: ${reason}`, {
    retryable: false,
  });
}

/** The refusal at the deadline. */
export function handoverTimedOut(to: string, waitedMs: number): ElectorError {
  return handoverRefused(
    `"${to}" did not come directly behind the leader within ${waitedMs} ms: a member ahead of it did not step aside, or it left the queue`,
  );
}

function refuse(reason: string): HandoverProgress {
  return { kind: 'refuse', reason };
}

const handoverRecordSchema = z.object({
  to: z.string().min(1),
  from: z.string().min(1),
  accepted: z.boolean().optional(),
});

/** The record as stored (etcd value, znode data): JSON `{"to", "from", "accepted"?}`. */
export function encodeHandoverRecord(record: HandoverRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** Null for bytes that are not a handover record (then no member acts on them). */
export function decodeHandoverRecord(bytes: Buffer | null | undefined): HandoverRecord | null {
  if (bytes === null || bytes === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    parsed = error;
  }
  const record = handoverRecordSchema.safeParse(parsed);
  return record.success ? record.data : null;
}
