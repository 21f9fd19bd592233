import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue } from 'etcd3';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ElectorError } from '../../core/errors.js';
import {
  decodeHandoverRecord,
  encodeHandoverRecord,
  type HandoverRecord,
  type QueuedCandidate,
} from '../named-handover.js';

/** One candidate key under the election prefix, as read from etcd. */
export interface Candidate {
  readonly key: string;
  /** Member ID from the key's value; null if the value is not an elector candidate record. */
  readonly id: string | null;
  /**
   * How the candidate is shown: its member ID, or for a foreign key (a Go campaigner, `etcdctl
   * elect`) its raw value, or the key when the value is empty.
   */
  readonly displayId: string;
  readonly address: string | null;
  /** Its `--priority` from the value (0 when an older elector wrote none); null if foreign. */
  readonly priority: number | null;
  /** The key's create revision: its place in the queue and, for the leader, the fencing token. */
  readonly createRevision: bigint;
  readonly leaseId: string;
}

/** Every candidate at one store revision, lowest create revision (the leader) first. */
export interface CandidateList {
  readonly revision: bigint;
  readonly candidates: readonly Candidate[];
  /** The handover record at the same revision (docs/handover.md); null if none or unreadable. */
  readonly handover: HandoverRecord | null;
  /** The handover record's mod revision (0 without one), for the target's conditional acceptance. */
  readonly handoverRevision: bigint;
}

const candidateValueSchema = z.object({
  id: z.string().min(1),
  address: z.string(),
  priority: z.number().int().nonnegative().optional(),
});

/**
 * The etcd operations of the election recipe (etcd's client/v3/concurrency election.go): a
 * lease per campaign, a key `<prefix><lease ID in hex>` bound to it, created only if absent,
 * and ordered by create revision. Every method rejects with the library's error; the caller
 * maps it (etcd-errors.ts).
 */
export class ElectionStore {
  private readonly prefix: Buffer;
  private readonly prefixEnd: Buffer;
  private readonly handoverKeyBytes: Buffer;
  private readonly warnedKeys = new Set<string>();

  /**
   * @param handoverKey the handover record's key, outside `keyPrefix`, so that Go's
   *   `concurrency.Election` and `etcdctl elect -l` never read it as a candidate.
   */
  constructor(
    private readonly client: Etcd3,
    keyPrefix: string,
    readonly handoverKey: string,
    private readonly logger: Logger,
  ) {
    this.prefix = Buffer.from(keyPrefix, 'utf8');
    this.prefixEnd = prefixRangeEnd(this.prefix);
    this.handoverKeyBytes = Buffer.from(handoverKey, 'utf8');
  }

  candidateKey(leaseId: string): string {
    return `${this.prefix.toString('utf8')}${BigInt(leaseId).toString(16)}`;
  }

  /** Resolves with the lease ID and the TTL etcd actually granted (it may raise small TTLs). */
  async grantLease(ttlSeconds: number): Promise<{ leaseId: string; ttlSeconds: number }> {
    const response = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    return { leaseId: response.ID, ttlSeconds: Number(response.TTL) };
  }

  /**
   * Creates `key` bound to the lease unless it exists, and resolves with its create revision.
   * Safe to retry: a key left by an earlier attempt with the same lease counts as created.
   */
  async putCandidate(key: string, value: Buffer, leaseId: string): Promise<bigint> {
    const keyBytes = Buffer.from(key, 'utf8');
    const response = await this.client.kv.txn({
      compare: [{ key: keyBytes, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: keyBytes, value, lease: leaseId } }],
      failure: [{ request_range: { key: keyBytes } }],
    });
    if (response.succeeded) return BigInt(response.header.revision);
    const existing = response.responses[0]?.response_range.kvs[0];
    if (existing?.lease === leaseId) return BigInt(existing.create_revision);
    throw new ElectorError(
      'BACKEND_UNAVAILABLE',
      `etcd campaign: key ${key} already exists under another lease (${existing?.lease ?? 'unknown'})`,
      { retryable: true },
    );
  }

  /** A linearizable read of every candidate, in queue order, and of the handover record, in one round trip. */
  async listCandidates(): Promise<CandidateList> {
    const response = await this.client.kv.txn({
      compare: [],
      success: [
        {
          request_range: {
            key: this.prefix,
            range_end: this.prefixEnd,
            sort_order: 'Ascend',
            sort_target: 'Create',
          },
        },
        { request_range: { key: this.handoverKeyBytes } },
      ],
      failure: [],
    });
    const kvs = response.responses[0]?.response_range.kvs ?? [];
    const record = response.responses[1]?.response_range.kvs[0];
    return {
      revision: BigInt(response.header.revision),
      candidates: kvs.map((kv) => this.decode(kv)),
      handover: record === undefined ? null : decodeHandoverRecord(record.value),
      handoverRevision: BigInt(record?.mod_revision ?? 0),
    };
  }

  /**
   * Writes the handover record bound to the leader's lease, so it goes with the leader. Resolves
   * false, writing nothing, when a record of another lease is there (another leader's, which its
   * lease will remove); a record of our own lease (an earlier handover) is replaced.
   */
  async putHandover(record: HandoverRecord, leaseId: string): Promise<boolean> {
    const key = this.handoverKeyBytes;
    const value = encodeHandoverRecord(record);
    const response = await this.client.kv.txn({
      compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key, value, lease: leaseId } }],
      failure: [{ request_range: { key } }],
    });
    if (response.succeeded) return true;
    if (response.responses[0]?.response_range.kvs[0]?.lease !== leaseId) return false;
    const replaced = await this.client.kv.txn({
      compare: [{ key, target: 'Lease', result: 'Equal', lease: leaseId }],
      success: [{ request_put: { key, value, lease: leaseId } }],
      failure: [],
    });
    return replaced.succeeded;
  }

  /**
   * The target's acceptance: rewrites the record as read at `modRevision` with `accepted` set,
   * still bound to the leader's lease, so it still goes with the leader. Resolves false when the
   * record changed meanwhile.
   */
  async acceptHandover(
    record: HandoverRecord,
    modRevision: bigint,
    leaderLeaseId: string,
  ): Promise<boolean> {
    const key = this.handoverKeyBytes;
    const value = encodeHandoverRecord({ ...record, accepted: true });
    const response = await this.client.kv.txn({
      compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: modRevision.toString() }],
      success: [{ request_put: { key, value, lease: leaderLeaseId } }],
      failure: [],
    });
    return response.succeeded;
  }

  /** Deletes the handover record if our lease holds it; another leader's is left alone. */
  async deleteHandover(leaseId: string): Promise<void> {
    const key = this.handoverKeyBytes;
    await this.client.kv.txn({
      compare: [{ key, target: 'Lease', result: 'Equal', lease: leaseId }],
      success: [{ request_delete_range: { key } }],
      failure: [],
    });
  }

  /** Revokes the lease, which deletes its key in the same step. A lease already gone counts as revoked. */
  async revokeLease(leaseId: string): Promise<void> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: leaseId });
    } catch (error) {
      // "requested lease not found": it expired or was revoked already, which is the goal.
      if (error instanceof EtcdLeaseInvalidError) return;
      throw error;
    }
  }

  private decode(kv: IKeyValue): Candidate {
    const key = kv.key.toString('utf8');
    const base = { key, createRevision: BigInt(kv.create_revision), leaseId: kv.lease };
    let parsed: unknown;
    try {
      parsed = JSON.parse(kv.value.toString('utf8'));
    } catch (error) {
      parsed = error;
    }
    const value = candidateValueSchema.safeParse(parsed);
    if (value.success) {
      return {
        ...base,
        id: value.data.id,
        displayId: value.data.id,
        address: value.data.address,
        priority: value.data.priority ?? 0,
      };
    }
    const rawValue = kv.value.toString('utf8');
    if (!this.warnedKeys.has(key)) {
      this.warnedKeys.add(key);
      this.logger.warn(
        {
          event: 'etcd.candidate.malformed',
          key,
          value: rawValue,
          createRevision: base.createRevision.toString(),
        },
        `key ${key} under the election prefix does not hold {id, address}; it keeps its place in the queue with an unknown ID`,
      );
    }
    return {
      ...base,
      id: null,
      displayId: rawValue.length > 0 ? rawValue : key,
      address: null,
      priority: null,
    };
  }
}

/**
 * A candidate key's value: `{"id", "address", "priority"}`. `etcdctl elect -l` prints it as is;
 * the ID and address stay first, and readers of the older `{id, address}` ignore the priority.
 */
export function encodeCandidateValue(id: string, address: string, priority: number): Buffer {
  return Buffer.from(JSON.stringify({ id, address, priority }), 'utf8');
}

/** The queue as the handover rules read it (named-handover.ts): a candidate's place is its key. */
export function queueOf(list: CandidateList): QueuedCandidate[] {
  return list.candidates.map((candidate) => ({
    id: candidate.id,
    displayId: candidate.displayId,
    place: candidate.key,
  }));
}

/** The end of the key range holding exactly the keys that start with `prefix`. */
function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let index = end.length - 1; index >= 0; index -= 1) {
    const byte = end[index] ?? 0xff;
    if (byte < 0xff) {
      end[index] = byte + 1;
      return end.subarray(0, index + 1);
    }
  }
  return Buffer.from([0]);
}
