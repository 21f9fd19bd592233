import type { RaftTiming } from '../../src/core/raft/config.js';
import type { PeerMessage } from '../../src/core/raft/messages.js';
import { isSameMemberSet, isVoter } from '../../src/core/raft/configuration.js';
import type { SafeguardMutations } from '../../src/core/raft/state.js';
import { randomInt, seededRandom, type Random } from '../../src/core/random.js';
import {
  SimCluster,
  memberPool,
  perfectNetwork,
  priorityPerMember,
  type NetworkConditions,
} from './cluster.js';
import { Roll, randomMemberList } from './rolls.js';

export interface SeedOptions {
  readonly mutations?: SafeguardMutations;
  readonly forgetVoteOnRestart?: boolean;
  /** Keep the last N trace lines for a failure report (0 for speed). */
  readonly traceLimit?: number;
  readonly checkFounding?: boolean;
  /** Sees every message any member sends. */
  readonly onSend?: (message: PeerMessage) => void;
}

/**
 * Random `--priority` per member: none set in half the seeds, else each in 0..3 (ties, zeros
 * and strict orders all occur).
 */
function randomPriorities(random: Random): Readonly<Record<string, number>> | undefined {
  if (random() < 0.5) return undefined;
  return priorityPerMember(random);
}

export interface SeedOutcome {
  readonly seed: number;
  readonly violation: string | null;
  readonly description: string;
  readonly trace: readonly string[];
  readonly faults: number;
  readonly leaderChanges: number;
  /** Member-list rolls started, and configuration changes committed. */
  readonly rolls: number;
  readonly changesCommitted: number;
  /** Terms with more than one candidate, and terms with any. */
  readonly splitVotes: number;
  readonly elections: number;
}

function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

export function randomTiming(random: Random): RaftTiming {
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
 * One seeded run: a cluster founded from empty state, random timing and network; a phase of
 * random faults (partitions, one-way links, crashes and restarts, pauses, transfers,
 * eligibility flips, and rolls to new member lists: partial, in any order, overlapping, with
 * new, retained and empty volumes, graceful and abrupt deletions); then everything heals, the
 * last roll finishes, and within a bound a leader must act and every member must hold that
 * list as its committed configuration; then a follower is isolated and rejoins, and the leader
 * must not be disturbed (what pre-vote and stickiness are for).
 */
export function runSeed(seed: number, options: SeedOptions = {}): SeedOutcome {
  const random = seededRandom(seed);
  const initialMembers = memberPool.slice(0, pick(random, [1, 3, 3, 3, 5, 5, 7]));
  const timing = randomTiming(random);
  const network = randomNetwork(random, timing);
  const rollRate = pick(random, [0, 0.1, 0.2, 0.35]);
  const priorities = randomPriorities(random);
  // Longer than the rejoin check's 5T, so a preemption cannot pass for a disturbed leader there.
  const priorityHandoverDelayMs = randomInt(random, 6, 15) * timing.electionTimeoutMs;
  const cluster = new SimCluster({
    ...(priorities === undefined ? {} : { priorities, priorityHandoverDelayMs }),
    initialMembers,
    timing,
    network,
    random,
    traceLimit: options.traceLimit ?? 400,
    crashAfterVoteProbability: pick(random, [0, 0, 0.1, 0.5]),
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
    ...(options.forgetVoteOnRestart === undefined
      ? {}
      : { forgetVoteOnRestart: options.forgetVoteOnRestart }),
    ...(options.checkFounding === undefined ? {} : { checkFounding: options.checkFounding }),
    ...(options.onSend === undefined ? {} : { onSend: options.onSend }),
  });
  const T = timing.electionTimeoutMs;
  const description = `members=${initialMembers.length} heartbeat=${timing.heartbeatIntervalMs}ms T=${T}ms drift=${timing.maxClockDrift} drop=${network.dropProbability} dup=${network.duplicateProbability} delay=${network.minDelayMs.toFixed(2)}..${network.maxDelayMs}ms rolls=${rollRate} priorities=${priorities === undefined ? 'none' : JSON.stringify(priorities)}`;
  let faults = 0;
  let leaderChanges = 0;
  let rolls = 0;
  const outcome = (violation: string | null): SeedOutcome => ({
    seed,
    violation,
    description,
    trace: violation === null ? [] : cluster.recentTrace(),
    faults,
    leaderChanges,
    rolls,
    changesCommitted: [...cluster.checker.committed.values()].filter(
      (configuration) => configuration.version > 1 && configuration.outgoing === null,
    ).length,
    splitVotes: cluster.electionCounts().split,
    elections: cluster.electionCounts().contested,
  });

  const seen: { lastLeader: string | null } = { lastLeader: null };
  const countLeaderChange = (): false => {
    const leader = cluster.actingLeader();
    if (leader !== null && leader !== seen.lastLeader) {
      leaderChanges += 1;
      seen.lastLeader = leader;
    }
    return false;
  };
  let roll: Roll | null = null;
  const faultPhaseEnd = 40 * T;
  while (cluster.now < faultPhaseEnd && cluster.currentViolation() === null) {
    cluster.runUntil(cluster.now + random() * 3 * T, countLeaderChange);
    roll?.reapLeaving();
    if (random() < rollRate) {
      if (roll === null || random() < 0.3) {
        roll = new Roll(cluster, randomMemberList(random), random, {
          isOrdered: random() < 0.7,
          graceMs: randomInt(random, 2, 30) * T,
        });
        rolls += 1;
        cluster.record(`ROLL to [${roll.members.join(',')}]`);
      }
      roll.advance();
    } else {
      injectRandomFault(cluster, random, network);
    }
    faults += 1;
  }
  if (cluster.currentViolation() !== null) return outcome(cluster.currentViolation());

  // Heal: every pod up and running, links restored, no loss; the last roll finishes gracefully.
  cluster.healNetwork({ ...perfectNetwork, maxDelayMs: Math.min(network.maxDelayMs, T / 10) });
  const finalMembers = roll?.members ?? initialMembers;
  for (const id of cluster.existing()) {
    cluster.restart(id);
    cluster.resume(id);
    cluster.input(id, { type: 'set-eligible', isEligible: true });
  }
  const finalRoll = new Roll(cluster, finalMembers, random, {
    isOrdered: true,
    graceMs: Number.POSITIVE_INFINITY,
    isGraceful: true,
  });
  finalRoll.finish();
  const isSettled = (): boolean =>
    cluster.actingLeader() !== null && finalRoll.isDone && holdsFinal(cluster, finalMembers);
  const settleBound = cluster.now + 100 * T;
  while (cluster.now < settleBound && !isSettled() && cluster.currentViolation() === null) {
    restoreVoters(cluster, finalRoll);
    cluster.runUntil(cluster.now + T / 4, isSettled);
    finalRoll.reapLeaving();
  }
  if (cluster.currentViolation() !== null) return outcome(cluster.currentViolation());
  if (!isSettled()) {
    return outcome(
      `not settled ${100 * T} ms after the faults healed: acting leader ${cluster.actingLeader() ?? 'none'}; ${cluster
        .existing()
        .map(
          (id) =>
            `${id} holds v${cluster.configurationOf(id)?.version ?? 0} [${cluster.configurationOf(id)?.voters.join(',') ?? ''}]${cluster.configurationOf(id)?.outgoing === null ? '' : ' joint'}${cluster.isLeaving(id) ? ' leaving' : ''} note=${cluster.stateOf(id)?.membershipNote ?? '-'}`,
        )
        .join('; ')}; wanted [${finalMembers.join(',')}]`,
    );
  }
  const leader = cluster.actingLeader();
  leaderChanges += leader === seen.lastLeader ? 0 : 1;

  // Rejoin: a follower cut off for several election timeouts must not depose the leader when it
  // returns. With priorities, a preemption may be due first: let it happen, so the leader is one
  // no member outranks, and the isolated follower's return restarts its window (longer than 5T).
  cluster.runUntil(
    cluster.now + 2 * T + (priorities === undefined ? 0 : priorityHandoverDelayMs + 4 * T),
  );
  const stableLeader = cluster.actingLeader();
  const follower = finalMembers.find((id) => id !== stableLeader);
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
      );
    }
  }
  return outcome(cluster.currentViolation());
}

/**
 * As an operator would while finishing a roll: brings back (with their volumes) deleted pods
 * that some configuration still counts as voters, so every configuration can reach a majority;
 * those the final list leaves out then leave gracefully.
 */
function restoreVoters(cluster: SimCluster, roll: Roll): void {
  // Until no configuration of a pod that exists counts a deleted one (restored pods bring theirs).
  for (let restored = true; restored;) {
    restored = false;
    const existing = cluster.existing();
    for (const id of memberPool) {
      if (cluster.exists(id) || cluster.durableOf(id).startedWith === null) continue;
      if (existing.some((pod) => isVoter(cluster.durableOf(pod).configuration, id))) {
        roll.restore(id);
        restored = true;
      }
    }
  }
}

/** Every pod holds `members` as its configuration, with no joint part, and no other pod exists. */
function holdsFinal(cluster: SimCluster, members: readonly string[]): boolean {
  const existing = cluster.existing();
  if (!isSameMemberSet(existing, members)) return false;
  const leader = cluster.actingLeader();
  const leaderState = leader === null ? null : cluster.stateOf(leader);
  if (leaderState?.configuration == null) return false;
  if (leaderState.commitIndex < leaderState.configuration.index) return false;
  return existing.every((id) => {
    const configuration = cluster.configurationOf(id);
    return (
      configuration !== null &&
      configuration.outgoing === null &&
      isSameMemberSet(configuration.voters, members)
    );
  });
}

function injectRandomFault(cluster: SimCluster, random: Random, network: NetworkConditions): void {
  const existing = cluster.existing();
  const ids = existing.length > 0 ? existing : cluster.ids;
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
