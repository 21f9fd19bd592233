/**
 * What the leadership recorder saw, in the test process's monotonic milliseconds from the start
 * of the recording. It is plain JSON, so a failing run can be saved, inspected and checked again
 * (`node --import tsx lab/faults/check-history.ts <file>`).
 */
export interface History {
  readonly version: 1;
  /** The campaign's seed, when a seeded campaign made the faults; otherwise null. */
  readonly seed: number | null;
  /** The backend the members elected through: raft, etcd, zookeeper or kubernetes. */
  readonly backend: string;
  readonly members: readonly string[];
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  /** Wall-clock start, for display only. */
  readonly startedAt: string;
  /** When the recording stopped. */
  readonly endedAt: number;
  readonly runs: readonly RoleRun[];
  readonly views: readonly ViewEvent[];
  readonly marks: readonly Mark[];
}

/** A member's answer to GET /role/leader: 200 (acting), 503, or no answer in time. */
export type RoleState = 'acting' | 'not-acting' | 'unreachable';

/**
 * Consecutive polls of one member's /role/leader with the same state and fencing token. Each
 * poll was answered at some instant between its send and receive times.
 */
export interface RoleRun {
  readonly member: string;
  readonly state: RoleState;
  /** The Elector-Fencing-Token header of a 200; null otherwise. */
  readonly fencingToken: number | null;
  readonly firstSentAt: number;
  readonly firstReceivedAt: number;
  readonly lastSentAt: number;
  readonly lastReceivedAt: number;
  readonly count: number;
}

/** One event of a member's GET /leader/watch stream. */
export interface ViewEvent {
  readonly member: string;
  readonly receivedAt: number;
  readonly leader: string | null;
  readonly fencingToken: number | null;
  readonly term: number;
  readonly isSelf: boolean;
}

/** A fault applied or healed (or a note), as the harness reports it. */
export interface Mark {
  readonly at: number;
  readonly kind: 'fault' | 'heal' | 'note';
  readonly label: string;
}
