/** What a member knows about the leader of its election at one instant, whatever the backend. */
export interface Leadership {
  /** Member ID of the leader; null while no leader is known. */
  readonly leader: string | null;
  /** Strictly increases with each new leader (Raft term, etcd create revision, ZooKeeper czxid). */
  readonly fencingToken: bigint;
  /** True only while this member can prove it is the acting leader (its lease is live). */
  readonly isSelf: boolean;
  /** Monotonic-clock deadline of this member's lease while it leads; null otherwise. */
  readonly leaseExpiresAt: number | null;
}
