/** A queued member as the priority policy sees it (foreign candidates are left out). */
export interface PriorityCandidate {
  readonly id: string;
  readonly priority: number;
  /** Its key or znode name: the same place means the same, continuous candidacy. */
  readonly place: string;
}

/**
 * The leader's priority policy for the queue backends (etcd, ZooKeeper), on the injected clock:
 * prefer a candidate whose priority is strictly higher than the leader's (so 0 never preempts and
 * equal never swaps) once it has been queued in the same place for the whole stability window.
 * A candidate that leaves and comes back has a new place and starts its window again, so one
 * that comes and goes never triggers a handover. After a handover is started, the next one waits
 * a full window, so a failing handover is not retried more often than once per window.
 */
export class PriorityPreference {
  /** When each place was first seen, on the monotonic clock. */
  private readonly firstSeenAt = new Map<string, number>();
  private lastChosenAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs: number) {}

  /**
   * Notes a fresh read of the queue (`candidates` in queue order, this member excluded) at `now`
   * and returns the member to hand over to, or null. Call it on every read, led or not: places
   * seen only while following still count, since a place never comes back once gone.
   */
  observe(
    now: number,
    selfPriority: number,
    candidates: readonly PriorityCandidate[],
    isLeading: boolean,
  ): string | null {
    const places = new Set(candidates.map((candidate) => candidate.place));
    for (const place of this.firstSeenAt.keys()) {
      if (!places.has(place)) this.firstSeenAt.delete(place);
    }
    for (const candidate of candidates) {
      if (!this.firstSeenAt.has(candidate.place)) this.firstSeenAt.set(candidate.place, now);
    }
    if (!isLeading || now - this.lastChosenAt < this.windowMs) return null;
    let preferred: PriorityCandidate | null = null;
    for (const candidate of candidates) {
      const seenAt = this.firstSeenAt.get(candidate.place) ?? now;
      if (candidate.priority <= selfPriority || now - seenAt < this.windowMs) continue;
      if (preferred === null || candidate.priority > preferred.priority) preferred = candidate;
    }
    if (preferred === null) return null;
    this.lastChosenAt = now;
    return preferred.id;
  }
}
