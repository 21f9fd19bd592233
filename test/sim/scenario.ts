import type { RaftTiming } from '../../src/core/raft/config.js';
import type { SafeguardMutations } from '../../src/core/raft/state.js';
import { randomInt, seededRandom, type Random } from '../../src/core/random.js';
import { SimCluster, perfectNetwork, type NetworkConditions } from './cluster.js';

export interface SeedOptions {
  readonly mutations?: SafeguardMutations;
  readonly forgetVoteOnRestart?: boolean;
  /** Keep the last N trace lines for a failure report (0 for speed). */
  readonly traceLimit?: number;
}

export interface SeedOutcome {
  readonly seed: number;
  readonly violation: string | null;
  readonly description: string;
  readonly trace: readonly string[];
  readonly faults: number;
  readonly leaderChanges: number;
}

function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

function randomTiming(random: Random): RaftTiming {
  const heartbeatIntervalMs = randomInt(random, 5, 50);
  return {
    heartbeatIntervalMs,
    electionTimeoutMs: heartbeatIntervalMs * randomInt(random, 3, 10),
    maxClockDrift: pick(random, [0, 0.01, 0.05, 0.1, 0.2]),
  };
}

function randomNetwork(random: Random, timing: RaftTiming): NetworkConditions {
  const maxDelayMs = pick(random, [
    1,
    5,
    timing.heartbeatIntervalMs,
    timing.electionTimeoutMs / 2,
    timing.electionTimeoutMs,
  ]);
  return {
    dropProbability: pick(random, [0, 0, 0.01, 0.1, 0.3]),
    duplicateProbability: pick(random, [0, 0.05]),
    minDelayMs: random() * Math.min(1, maxDelayMs),
    maxDelayMs,
  };
}

function randomSubset(random: Random, ids: readonly string[]): string[] {
  const size = randomInt(random, 1, Math.max(1, ids.length - 1));
  return [...ids].sort(() => random() - 0.5).slice(0, size);
}

/**
 * One seeded run: a random cluster, timing and network; a phase of random faults (partitions,
 * one-way links, crashes and restarts, pauses, transfers, eligibility flips); then everything
 * heals and a leader must appear within a bound; then a follower is isolated and rejoins, and
 * the leader must not be disturbed (what pre-vote and stickiness are for).
 */
export function runSeed(seed: number, options: SeedOptions = {}): SeedOutcome {
  const random = seededRandom(seed);
  const memberCount = pick(random, [1, 3, 3, 3, 5, 5, 7]);
  const timing = randomTiming(random);
  const network = randomNetwork(random, timing);
  const cluster = new SimCluster({
    memberCount,
    timing,
    network,
    random,
    traceLimit: options.traceLimit ?? 400,
    crashAfterVoteProbability: pick(random, [0, 0, 0.1, 0.5]),
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
    ...(options.forgetVoteOnRestart === undefined
      ? {}
      : { forgetVoteOnRestart: options.forgetVoteOnRestart }),
  });
  const T = timing.electionTimeoutMs;
  const description = `members=${memberCount} heartbeat=${timing.heartbeatIntervalMs}ms T=${T}ms drift=${timing.maxClockDrift} drop=${network.dropProbability} dup=${network.duplicateProbability} delay=${network.minDelayMs.toFixed(2)}..${network.maxDelayMs}ms`;
  const outcome = (
    violation: string | null,
    faults: number,
    leaderChanges: number,
  ): SeedOutcome => ({
    seed,
    violation,
    description,
    trace: violation === null ? [] : cluster.recentTrace(),
    faults,
    leaderChanges,
  });

  const faultPhaseEnd = 40 * T;
  let faults = 0;
  let leaderChanges = 0;
  const seen: { lastLeader: string | null } = { lastLeader: null };
  const countLeaderChange = (): false => {
    const leader = cluster.actingLeader();
    if (leader !== null && leader !== seen.lastLeader) {
      leaderChanges += 1;
      seen.lastLeader = leader;
    }
    return false;
  };
  while (cluster.now < faultPhaseEnd && cluster.currentViolation() === null) {
    cluster.runUntil(cluster.now + random() * 3 * T, countLeaderChange);
    injectRandomFault(cluster, random, network);
    faults += 1;
  }
  if (cluster.currentViolation() !== null)
    return outcome(cluster.currentViolation(), faults, leaderChanges);

  // Heal: every member up and running, links restored, no loss.
  for (const id of cluster.ids) {
    cluster.restart(id);
    cluster.resume(id);
    cluster.input(id, { type: 'set-eligible', isEligible: true });
  }
  cluster.healNetwork({ ...perfectNetwork, maxDelayMs: Math.min(network.maxDelayMs, T / 10) });
  const healedAt = cluster.now;
  const electionBound = healedAt + 12 * T;
  cluster.runUntil(electionBound, () => cluster.actingLeader() !== null);
  if (cluster.currentViolation() !== null)
    return outcome(cluster.currentViolation(), faults, leaderChanges);
  const leader = cluster.actingLeader();
  if (leader === null) {
    return outcome(
      `no acting leader within ${12 * T} ms after the faults healed`,
      faults,
      leaderChanges,
    );
  }
  leaderChanges += leader === seen.lastLeader ? 0 : 1;

  // Rejoin: a follower cut off for several election timeouts must not depose the leader when it returns.
  cluster.runUntil(cluster.now + 2 * T);
  const stableLeader = cluster.actingLeader();
  const follower = cluster.ids.find((id) => id !== stableLeader);
  if (stableLeader !== null && follower !== undefined) {
    const term = cluster.stateOf(stableLeader)?.term;
    cluster.isolate([follower]);
    cluster.runUntil(cluster.now + randomInt(random, 3, 8) * T);
    cluster.healNetwork();
    cluster.runUntil(cluster.now + 5 * T);
    const after = cluster.stateOf(stableLeader);
    if (
      cluster.currentViolation() === null &&
      (after?.term !== term || cluster.actingLeader() !== stableLeader)
    ) {
      return outcome(
        `${follower} rejoining after isolation disturbed leader ${stableLeader} (term ${term} -> ${after?.term}, acting leader now ${cluster.actingLeader() ?? 'none'})`,
        faults,
        leaderChanges,
      );
    }
  }
  return outcome(cluster.currentViolation(), faults, leaderChanges);
}

function injectRandomFault(cluster: SimCluster, random: Random, network: NetworkConditions): void {
  const ids = cluster.ids;
  const id = pick(random, ids);
  const roll = random();
  if (roll < 0.15) {
    cluster.isolate(randomSubset(random, ids));
  } else if (roll < 0.25) {
    cluster.block(id, pick(random, ids));
  } else if (roll < 0.4) {
    cluster.healNetwork(network);
  } else if (roll < 0.45) {
    cluster.crash(id);
  } else if (roll < 0.5) {
    // A crash and a quick restart, as a supervisor would do: the member keeps only what it persisted.
    cluster.crash(id);
    cluster.runUntil(cluster.now + random() * 5);
    cluster.restart(id);
  } else if (roll < 0.62) {
    cluster.restart(id);
  } else if (roll < 0.7) {
    cluster.pause(id);
  } else if (roll < 0.8) {
    cluster.resume(id);
  } else if (roll < 0.9) {
    const leader = cluster.actingLeader();
    if (leader !== null)
      cluster.input(leader, random() < 0.5 ? { type: 'transfer' } : { type: 'transfer', to: id });
  } else {
    cluster.input(id, { type: 'set-eligible', isEligible: random() < 0.7 });
  }
}
