import { leaseDurationMs, type RaftTiming } from '../../src/core/raft/config.js';
import { successionOrder } from '../../src/core/raft/succession.js';
import type { SafeguardMutations } from '../../src/core/raft/state.js';
import { randomInt, seededRandom, type Random } from '../../src/core/random.js';
import { SimCluster, memberPool, perfectNetwork, priorityPerMember } from './cluster.js';
import { outcome, type DirectedOutcome } from './directed.js';

/**
 * Directed schedules for ranked candidacy and priority preemption (issue 17), in the common
 * case: a healthy cluster on a fast network, clocks at real time (drift 0: real clock rates
 * differ by parts per million), random priorities.
 */
export interface SuccessionOptions {
  readonly mutations?: SafeguardMutations;
  readonly traceLimit?: number;
}

function setUp(
  seed: number,
  size: number,
  options: SuccessionOptions,
  priorities: (random: Random) => Readonly<Record<string, number>>,
  priorityHandoverDelayMs?: number,
) {
  const random = seededRandom(seed);
  const heartbeatIntervalMs = randomInt(random, 10, 100);
  const timing: RaftTiming = {
    heartbeatIntervalMs,
    electionTimeoutMs: heartbeatIntervalMs * randomInt(random, 3, 10),
    maxClockDrift: 0,
  };
  const members = memberPool.slice(0, size);
  const chosen = priorities(random);
  const cluster = new SimCluster({
    initialMembers: members,
    timing,
    network: { ...perfectNetwork, maxDelayMs: Math.min(heartbeatIntervalMs / 10, 2) },
    random,
    traceLimit: options.traceLimit ?? 400,
    clockSkew: Object.fromEntries(memberPool.map((id) => [id, 0])),
    priorities: chosen,
    ...(priorityHandoverDelayMs === undefined
      ? {}
      : { priorityHandoverDelayMs: priorityHandoverDelayMs * timing.electionTimeoutMs }),
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
  });
  const description = `members=${size} heartbeat=${heartbeatIntervalMs}ms T=${timing.electionTimeoutMs}ms priorities=${JSON.stringify(chosen)}`;
  return { random, timing, cluster, members, T: timing.electionTimeoutMs, description };
}

/**
 * The leader of three or five crashes at a random instant of a heartbeat interval, after every
 * follower heard its succession order. The first of that order, alive, must be the only member
 * to campaign and must lead next; and a leader must act within T + margin + step + T/2 of the
 * crash. Shared slots (two ranks at one instant) show up as a split: two members campaigning.
 */
export function runRankedCrash(seed: number, options: SuccessionOptions = {}): DirectedOutcome {
  const size = seed % 2 === 0 ? 3 : 5;
  const { random, cluster, members, T, timing, description } = setUp(
    seed,
    size,
    options,
    priorityPerMember,
    1000,
  );
  const report = (violation: string | null): DirectedOutcome =>
    outcome(seed, cluster, description, violation);
  cluster.runUntil(40 * T, () => cluster.actingLeader() !== null);
  const leader = cluster.actingLeader();
  if (leader === null) return report(cluster.currentViolation() ?? `no leader within ${40 * T} ms`);
  // Every follower acknowledges and hears the order: a few heartbeat rounds.
  cluster.runUntil(cluster.now + 3 * T + random() * timing.heartbeatIntervalMs);
  const leaderState = cluster.stateOf(leader);
  if (cluster.actingLeader() !== leader || leaderState === null) {
    return report(cluster.currentViolation() ?? `${leader} stopped leading before the crash`);
  }
  const order = successionOrder(leaderState, cluster.localTimeOf(leader));
  const expected = order[0];
  if (expected === undefined || order.length !== size - 1) {
    return report(`${leader} ranks [${order.join(',')}], not every follower`);
  }
  const crashedAt = cluster.now;
  cluster.crash(leader);
  const campaigners = new Set<string>();
  const watch = (): boolean => {
    for (const id of members) {
      const role = cluster.stateOf(id)?.roleState.role;
      if (role === 'pre-candidate' || role === 'candidate') campaigners.add(id);
    }
    return cluster.actingLeader() !== null;
  };
  const bound = T + Math.ceil(timing.heartbeatIntervalMs / 2) + timing.heartbeatIntervalMs + T / 2;
  cluster.runUntil(crashedAt + 4 * T, watch);
  if (cluster.currentViolation() !== null) return report(cluster.currentViolation());
  const next = cluster.actingLeader();
  const tookMs = cluster.now - crashedAt;
  if (campaigners.size > 1) {
    return report(
      `split vote after ${leader} crashed: ${[...campaigners].sort().join(' and ')} campaigned (order [${order.join(',')}])`,
    );
  }
  if (next !== expected) {
    return report(
      `rank: ${next ?? 'no one'} leads after ${leader} crashed, not ${expected}, first of [${order.join(',')}]`,
    );
  }
  if (tookMs > bound) {
    return report(
      `liveness: ${expected} acted ${tookMs.toFixed(1)} ms after the crash; bound ${bound} ms`,
    );
  }
  return report(null);
}

/**
 * The lowest-priority member leads; the highest (strictly above every other) comes and goes:
 * cut off for a lease and two heartbeats in every half window, for three windows. It must not
 * take over then. Once it stays, it must take over no sooner than the window after its return
 * and within a few heartbeats after that.
 */
export function runPreemption(seed: number, options: SuccessionOptions = {}): DirectedOutcome {
  const delayTimeouts = 8;
  const { cluster, T, timing, description } = setUp(
    seed,
    3,
    options,
    () => ({ n1: 0, n2: 1, n3: 5 }),
    delayTimeouts,
  );
  const report = (violation: string | null): DirectedOutcome =>
    outcome(seed, cluster, description, violation);
  const delayMs = delayTimeouts * T;
  const lease = leaseDurationMs(timing);
  const top = 'n3';
  cluster.runUntil(40 * T, () => cluster.actingLeader() !== null);
  const first = cluster.actingLeader();
  if (first === null) return report(cluster.currentViolation() ?? 'no leader');
  if (first !== 'n1') {
    cluster.input(first, { type: 'transfer', to: 'n1' });
    cluster.runUntil(cluster.now + 10 * T, () => cluster.actingLeader() === 'n1');
  }
  if (cluster.actingLeader() !== 'n1') return report(cluster.currentViolation() ?? 'n1 never led');
  const isTopLeading = (): boolean => cluster.actingLeader() === top;
  const down = lease + 2 * timing.heartbeatIntervalMs;
  const flappingEnd = cluster.now + 3 * delayMs;
  while (cluster.now < flappingEnd) {
    cluster.healNetwork();
    cluster.runUntil(cluster.now + delayMs / 2 - down, isTopLeading);
    if (isTopLeading())
      return report(`preempted while ${top} came and goes, at ${cluster.now.toFixed(1)}`);
    cluster.isolate([top]);
    cluster.runUntil(cluster.now + down, isTopLeading);
  }
  cluster.healNetwork();
  const returnedAt = cluster.now;
  cluster.runUntil(returnedAt + delayMs + 10 * T, isTopLeading);
  if (cluster.currentViolation() !== null) return report(cluster.currentViolation());
  if (!isTopLeading()) return report(`${top} never took over after ${delayMs + 10 * T} ms`);
  const after = cluster.now - returnedAt;
  if (after < delayMs)
    return report(`${top} took over ${after.toFixed(1)} ms after its return, within the window`);
  if (after > delayMs + 2 * T)
    return report(`${top} took over late, ${after.toFixed(1)} ms after its return`);
  return report(null);
}
