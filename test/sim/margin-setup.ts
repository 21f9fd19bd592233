import type { RaftTiming } from '../../src/core/raft/config.js';
import { leaseExpiresAt } from '../../src/core/raft/leadership-view.js';
import type { SafeguardMutations } from '../../src/core/raft/state.js';
import { seededRandom, type Random } from '../../src/core/random.js';
import { SimCluster, memberPool, type ClusterOptions } from './cluster.js';

/** What a margin scenario accepts: the switches of a mutation test, and a trace length. */
export interface MarginOptions {
  readonly mutations?: SafeguardMutations;
  readonly forgetVoteOnRestart?: boolean;
  readonly traceLimit?: number;
}

export interface MarginSetUp {
  readonly random: Random;
  readonly cluster: SimCluster;
  readonly T: number;
  readonly members: readonly string[];
}

/**
 * A cluster for one margin scenario: fixed timing (the edge is a property of the schedule,
 * not of luck), network delays drawn per seed from a narrow range, clocks as `clockSkew` pins.
 */
export function setUpMargin(
  seed: number,
  size: number,
  timing: RaftTiming,
  options: MarginOptions,
  extra: Partial<Pick<ClusterOptions, 'clockSkew' | 'crashAfterVoteProbability'>> = {},
): MarginSetUp {
  const random = seededRandom(seed);
  const members = memberPool.slice(0, size);
  const minDelayMs = 0.01 + random() * 0.05;
  const cluster = new SimCluster({
    initialMembers: members,
    timing,
    network: {
      dropProbability: 0,
      duplicateProbability: 0,
      minDelayMs,
      maxDelayMs: minDelayMs + random() * 0.05,
    },
    random,
    traceLimit: options.traceLimit ?? 400,
    ...extra,
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
    ...(options.forgetVoteOnRestart === undefined
      ? {}
      : { forgetVoteOnRestart: options.forgetVoteOnRestart }),
  });
  return { random, cluster, T: timing.electionTimeoutMs, members };
}

/**
 * Runs until `id` is the acting leader: the first leader is asked to transfer to it when it is
 * another member. Null when that happened, or why not.
 */
export function makeActingLeader(cluster: SimCluster, id: string, T: number): string | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    cluster.runUntil(cluster.now + 40 * T, () => cluster.actingLeader() !== null);
    const leader = cluster.actingLeader();
    if (leader === id) return null;
    if (leader === null) break;
    cluster.input(leader, { type: 'transfer', to: id });
    cluster.runUntil(cluster.now + 10 * T, () => cluster.actingLeader() === id);
    if (cluster.actingLeader() === id) return null;
  }
  return cluster.currentViolation() ?? `${id} never became the acting leader`;
}

/** Runs until `leader` renews its lease (a majority's acknowledgement just arrived), then stops. */
export function runUntilLeaseRenewed(cluster: SimCluster, leader: string, T: number): boolean {
  const leaseEnd = (): number | null => {
    const state = cluster.stateOf(leader);
    return state === null ? null : leaseExpiresAt(state);
  };
  const before = leaseEnd();
  cluster.runUntil(cluster.now + 2 * T, () => {
    const now = leaseEnd();
    return now !== null && (before === null || now > before);
  });
  const after = leaseEnd();
  return after !== null && (before === null || after > before);
}

/** Heals everything and requires one acting leader within a bound (liveness after the edge). */
export function settleMargin(cluster: SimCluster, T: number): string | null {
  cluster.pinTimersToEarliest([]);
  cluster.healNetwork();
  for (const id of cluster.existing()) cluster.restart(id);
  cluster.runUntil(cluster.now + 40 * T, () => cluster.actingLeader() !== null);
  if (cluster.currentViolation() !== null) return cluster.currentViolation();
  return cluster.actingLeader() === null ? `no acting leader ${40 * T} ms after healing` : null;
}
