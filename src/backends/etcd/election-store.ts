import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue } from 'etcd3';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ElectorError } from '../../core/errors.js';

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
  /** The key's create revision: its place in the queue and, for the leader, the fencing token. */
  readonly createRevision: bigint;
  readonly leaseId: string;
}

/** Every candidate at one store revision, lowest create revision (the leader) first. */
export interface CandidateList {
  readonly revision: bigint;
  readonly candidates: readonly Candidate[];
}

const candidateValueSchema = z.object({ id: z.string().min(1), address: z.string() });

/**
 * The etcd operations of the election recipe (etcd's client/v3/concurrency election.go): a
 * lease per campaign, a key `<prefix><lease ID in hex>` bound to it, created only if absent,
 * and ordered by create revision. Every method rejects with the library's error; the caller
 * maps it (etcd-errors.ts).
 */
export class ElectionStore {
  private readonly prefix: Buffer;
  private readonly prefixEnd: Buffer;
  private readonly warnedKeys = new Set<string>();

  constructor(
    private readonly client: Etcd3,
    keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.prefix = Buffer.from(keyPrefix, 'utf8');
    this.prefixEnd = prefixRangeEnd(this.prefix);
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

  /** A linearizable read of every candidate, in queue order. */
  async listCandidates(): Promise<CandidateList> {
    const response = await this.client.kv.range({
      key: this.prefix,
      range_end: this.prefixEnd,
      sort_order: 'Ascend',
      sort_target: 'Create',
    });
    return {
      revision: BigInt(response.header.revision),
      candidates: response.kvs.map((kv) => this.decode(kv)),
    };
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
      return { ...base, id: value.data.id, displayId: value.data.id, address: value.data.address };
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
    return { ...base, id: null, displayId: rawValue.length > 0 ? rawValue : key, address: null };
  }
}

export function encodeCandidateValue(id: string, address: string): Buffer {
  return Buffer.from(JSON.stringify({ id, address }), 'utf8');
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
