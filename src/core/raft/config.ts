import { ElectorError } from '../errors.js';

export const supportedClusterSizes = [1, 3, 5, 7] as const;

/** Timing of the Raft election. All durations are in milliseconds of the member's own monotonic clock. */
export interface RaftTiming {
  readonly heartbeatIntervalMs: number;
  /** T: a follower campaigns after a random timeout in [T, 2T] without a heartbeat. */
  readonly electionTimeoutMs: number;
  /**
   * Bound on clock-rate disagreement: over any interval, one member's clock advances at least
   * (1 − maxClockDrift) times as much as any other's. The leader lease is T·(1 − maxClockDrift).
   */
  readonly maxClockDrift: number;
}

interface RaftMembership {
  readonly id: string;
  /** Every voting member, this one included, by stable ID. */
  readonly members: readonly string[];
}

/** Who should lead, given a choice (see succession.ts and preemption.ts). */
interface RaftPreference {
  /**
   * This member's `--priority` (a whole number ≥ 0, default 0): the eligible voter with the
   * highest one stands first in the succession, and takes over after `priorityHandoverDelayMs`.
   */
  readonly priority?: number;
  /**
   * How long a member of higher priority than the leader must have acknowledged continuously,
   * eligible, before the leader hands over to it (default 10 s).
   */
  readonly priorityHandoverDelayMs?: number;
}

export type RaftConfig = RaftTiming & RaftMembership & RaftPreference;

/** The handover delay when the configuration names none. */
export const defaultPriorityHandoverDelayMs = 10_000;

/** T must leave room for several heartbeats, or a single late heartbeat starts an election. */
export const minimumHeartbeatsPerElectionTimeout = 3;

/**
 * Checks timing and membership, one message per broken rule, each naming the field, the
 * value and what is accepted. Throws CONFIG_INVALID listing every problem found.
 */
export function validateRaftConfig(config: RaftConfig): RaftConfig {
  const problems = [
    ...timingProblems(config),
    ...membershipProblems(config),
    ...preferenceProblems(config),
  ];
  if (problems.length > 0) {
    throw new ElectorError('CONFIG_INVALID', problems.join('\n'));
  }
  return config;
}

function timingProblems(timing: RaftTiming): string[] {
  const problems: string[] = [];
  const { heartbeatIntervalMs, electionTimeoutMs, maxClockDrift } = timing;
  if (!Number.isInteger(heartbeatIntervalMs) || heartbeatIntervalMs < 1) {
    problems.push(
      `heartbeatIntervalMs: expected a whole number of milliseconds ≥ 1; got ${String(heartbeatIntervalMs)}`,
    );
  }
  if (!Number.isInteger(electionTimeoutMs) || electionTimeoutMs < 1) {
    problems.push(
      `electionTimeoutMs: expected a whole number of milliseconds ≥ 1; got ${String(electionTimeoutMs)}`,
    );
  } else if (electionTimeoutMs < minimumHeartbeatsPerElectionTimeout * heartbeatIntervalMs) {
    problems.push(
      `electionTimeoutMs: expected at least ${minimumHeartbeatsPerElectionTimeout} × heartbeatIntervalMs (${minimumHeartbeatsPerElectionTimeout * heartbeatIntervalMs}); got ${electionTimeoutMs}`,
    );
  }
  if (!(maxClockDrift >= 0 && maxClockDrift < 0.5)) {
    problems.push(`maxClockDrift: expected a fraction in [0, 0.5); got ${String(maxClockDrift)}`);
  }
  return problems;
}

function preferenceProblems({ priority, priorityHandoverDelayMs }: RaftPreference): string[] {
  const problems: string[] = [];
  if (priority !== undefined && !(Number.isSafeInteger(priority) && priority >= 0)) {
    problems.push(`priority: expected a whole number ≥ 0; got ${String(priority)}`);
  }
  if (
    priorityHandoverDelayMs !== undefined &&
    !(Number.isFinite(priorityHandoverDelayMs) && priorityHandoverDelayMs >= 0)
  ) {
    problems.push(
      `priorityHandoverDelayMs: expected a duration ≥ 0 milliseconds; got ${String(priorityHandoverDelayMs)}`,
    );
  }
  return problems;
}

function membershipProblems({ id, members }: RaftMembership): string[] {
  const problems: string[] = [];
  const sizes: readonly number[] = supportedClusterSizes;
  if (!sizes.includes(members.length)) {
    problems.push(
      `members: expected ${supportedClusterSizes.join(', ')} members (an odd number, so a majority survives a split); got ${members.length}`,
    );
  }
  const seen = new Set<string>();
  for (const member of members) {
    if (member.length === 0) problems.push('members: a member ID is empty');
    if (seen.has(member)) problems.push(`members: duplicate member ID "${member}"`);
    seen.add(member);
  }
  if (!seen.has(id)) {
    problems.push(`id: "${id}" is not one of the members (${members.join(', ')})`);
  }
  return problems;
}

/**
 * How many election timeouts the leader follows the newest desired member list after its
 * author last answered. A list whose author stays silent longer (its pod was deleted, say by a
 * roll-back right after a scale-up) is set aside, and the leader follows its own list instead.
 */
export const desireAuthorSilenceTimeouts = 60;

/** Votes needed to win: a strict majority. */
export function quorumSize(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1;
}

/** How long a leader may act after the send time of a heartbeat a majority acknowledged. */
export function leaseDurationMs(timing: RaftTiming): number {
  return timing.electionTimeoutMs * (1 - timing.maxClockDrift);
}
