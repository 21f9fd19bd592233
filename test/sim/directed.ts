import { quorumSize } from '../../src/core/raft/config.js';
import { isSameMemberSet } from '../../src/core/raft/configuration.js';
import type { SafeguardMutations } from '../../src/core/raft/state.js';
import { randomInt, seededRandom, type Random } from '../../src/core/random.js';
import { hasLeft } from '../../src/core/raft/membership-view.js';
import { SimCluster, memberPool, perfectNetwork } from './cluster.js';
import { randomTiming } from './scenario.js';

/**
 * Directed membership scenarios: each pushes one rule to its edge on purpose, instead of
 * waiting for the random soak to stumble on it. Every run is seeded and replayable.
 */
export interface DirectedOutcome {
  readonly seed: number;
  readonly violation: string | null;
  readonly description: string;
  readonly trace: readonly string[];
}

export interface DirectedOptions {
  readonly mutations?: SafeguardMutations;
  readonly traceLimit?: number;
}

function setUp(seed: number, members: readonly string[], options: DirectedOptions) {
  const random = seededRandom(seed);
  const timing = randomTiming(random);
  const cluster = new SimCluster({
    initialMembers: members,
    timing,
    network: { ...perfectNetwork, maxDelayMs: Math.min(timing.heartbeatIntervalMs / 2, 5) },
    random,
    traceLimit: options.traceLimit ?? 400,
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
  });
  return { random, timing, cluster, T: timing.electionTimeoutMs };
}

/** A directed run's result; the recent trace is kept only when there was a violation. */
export function outcome(
  seed: number,
  cluster: SimCluster,
  description: string,
  violation: string | null,
): DirectedOutcome {
  return {
    seed,
    violation,
    description,
    trace: violation === null ? [] : cluster.recentTrace(),
  };
}

/** Runs until some member acts, or says why not. */
function awaitLeader(cluster: SimCluster, T: number): string | null {
  cluster.runUntil(cluster.now + 40 * T, () => cluster.actingLeader() !== null);
  return cluster.actingLeader();
}

/** Heals, then requires one acting leader and every member of `members` holding that configuration. */
function settle(cluster: SimCluster, members: readonly string[], T: number): string | null {
  cluster.healNetwork();
  const isSettled = (): boolean => {
    const leader = cluster.actingLeader();
    return (
      leader !== null &&
      members.every((id) => {
        const configuration = cluster.configurationOf(id);
        return configuration?.outgoing === null && isSameMemberSet(configuration.voters, members);
      })
    );
  };
  cluster.runUntil(cluster.now + 100 * T, isSettled);
  if (cluster.currentViolation() !== null) return cluster.currentViolation();
  return isSettled() ? null : `not settled on [${members.join(',')}] ${100 * T} ms after healing`;
}

/**
 * The split brain of issue 14, as a user met it: three members; two new members start with
 * the five-member list; one old member restarts with it; then the members still on the old list
 * lose contact with the others, at a random point of the change, and later the cut heals.
 */
export function runRollWithOldSideCut(
  seed: number,
  options: DirectedOptions = {},
): DirectedOutcome {
  const oldList = memberPool.slice(0, 3);
  const newList = memberPool.slice(0, 5);
  const { random, cluster, T } = setUp(seed, oldList, options);
  const description = '3 -> 5, old-list members cut off after a random delay';
  const leader = awaitLeader(cluster, T);
  if (leader === null) return outcome(seed, cluster, description, 'no leader before the roll');
  for (const id of newList.slice(3)) cluster.createPod(id, newList, true);
  const restarted = oldList.find((id) => id !== leader) ?? 'n2';
  cluster.restartWith(restarted, newList);
  cluster.runUntil(cluster.now + random() * 6 * T);
  cluster.isolate(oldList.filter((id) => id !== restarted));
  cluster.runUntil(cluster.now + randomInt(random, 5, 30) * T);
  if (cluster.currentViolation() !== null) {
    return outcome(seed, cluster, description, cluster.currentViolation());
  }
  for (const id of oldList) if (id !== restarted) cluster.restartWith(id, newList);
  return outcome(seed, cluster, description, settle(cluster, newList, T));
}

const sizes = [1, 3, 5, 7] as const;

function pickSize(random: Random, except?: number): number {
  const choices = sizes.filter((size) => size !== except);
  return choices[Math.floor(random() * choices.length)] ?? 3;
}

/**
 * A cut at the worst instant of a change: right after the leader appends the first entry of a
 * change from `from` to `to` members, the leader and just enough new members for a majority of
 * the new set are cut off from everyone else, who hold a majority of the old set and have not
 * seen the entry. Without joint consensus both sides can elect a leader.
 */
export function runCutAfterAppend(seed: number, options: DirectedOptions = {}): DirectedOutcome {
  const seeded = seededRandom(seed ^ 0x5bd1e995);
  const from = pickSize(seeded);
  const to = pickSize(seeded, from);
  const oldList = memberPool.slice(0, from);
  const newList = memberPool.slice(0, to);
  const { random, cluster, T } = setUp(seed, oldList, options);
  const description = `${from} -> ${to}, cut right after the leader appends the change`;
  const leader = awaitLeader(cluster, T);
  if (leader === null) return outcome(seed, cluster, description, 'no leader before the roll');
  const versionBefore = cluster.configurationOf(leader)?.version ?? 0;
  for (const id of newList) if (!cluster.exists(id)) cluster.createPod(id, newList, true);
  const restarted = newList.find((id) => id !== leader && oldList.includes(id)) ?? leader;
  cluster.restartWith(restarted, newList);
  const hasAppended = (): boolean => {
    const current = cluster.actingLeader();
    return current !== null && (cluster.configurationOf(current)?.version ?? 0) > versionBefore;
  };
  cluster.runUntil(cluster.now + 40 * T, hasAppended);
  const changer = cluster.actingLeader();
  if (changer === null || !hasAppended()) {
    return outcome(
      seed,
      cluster,
      description,
      cluster.currentViolation() ?? 'the change never began',
    );
  }
  const partners = newList
    .filter((id) => id !== changer)
    .sort(
      (a, b) =>
        Number(oldList.includes(a)) - Number(oldList.includes(b)) || (random() < 0.5 ? -1 : 1),
    )
    .slice(0, quorumSize(newList.length) - (newList.includes(changer) ? 1 : 0));
  cluster.isolate([changer, ...partners]);
  cluster.runUntil(cluster.now + randomInt(random, 5, 20) * T);
  if (cluster.currentViolation() !== null) {
    return outcome(seed, cluster, description, cluster.currentViolation());
  }
  for (const id of memberPool) {
    if (cluster.exists(id) && !newList.includes(id)) cluster.leave(id);
  }
  const settled = settle(cluster, newList, T);
  return outcome(seed, cluster, description, settled);
}

/**
 * The election restriction on configurations: an old member cut off through a 3 -> 5 change
 * still holds the three-member entry. Once the change committed, it and one member that holds
 * the five-member entry are cut off from the rest. Its votes would come from a majority of the
 * old set, while the leader keeps a majority of the new one: only the voter's refusal of an
 * older configuration keeps them from both leading.
 */
export function runStaleCandidate(seed: number, options: DirectedOptions = {}): DirectedOutcome {
  const oldList = memberPool.slice(0, 3);
  const newList = memberPool.slice(0, 5);
  const { random, cluster, T } = setUp(seed, oldList, options);
  const description = 'a member that missed a 3 -> 5 change campaigns with the old entry';
  const leader = awaitLeader(cluster, T);
  if (leader === null) return outcome(seed, cluster, description, 'no leader before the roll');
  const [stale = 'n2', carrier = 'n3'] = oldList.filter((id) => id !== leader);
  cluster.isolate([stale]);
  for (const id of newList.slice(3)) cluster.createPod(id, newList, true);
  cluster.restartWith(carrier, newList);
  const isChanged = (): boolean =>
    [leader, carrier].every((id) => {
      const configuration = cluster.configurationOf(id);
      return configuration?.outgoing === null && configuration.voters.length === 5;
    });
  cluster.runUntil(cluster.now + 60 * T, isChanged);
  if (!isChanged()) {
    return outcome(
      seed,
      cluster,
      description,
      cluster.currentViolation() ?? 'the change never committed',
    );
  }
  cluster.healNetwork();
  cluster.isolate([stale, carrier]);
  cluster.runUntil(cluster.now + randomInt(random, 10, 30) * T);
  if (cluster.currentViolation() !== null) {
    return outcome(seed, cluster, description, cluster.currentViolation());
  }
  cluster.restartWith(stale, newList);
  return outcome(seed, cluster, description, settle(cluster, newList, T));
}

/**
 * A StatefulSet scaled down to one pod (3, 5 or 7 -> 1) as the controller does it: the pods
 * above n1 are deleted one at a time from the highest ordinal, each leaving first and deleted
 * once its removal is confirmed (or when its grace period runs out); n1 restarts with the new
 * list only after all of them are gone. The leader is made the last to go, so its successor
 * must remove it while its own `--members` list still names members removed before.
 */
export function runScaleDownToOne(seed: number, options: DirectedOptions = {}): DirectedOutcome {
  const from = [3, 5, 7][seed % 3] ?? 3;
  const oldList = memberPool.slice(0, from);
  const { cluster, T } = setUp(seed, oldList, options);
  const description = `${from} -> 1, the leader deleted last, n1 restarted after`;
  const leader = awaitLeader(cluster, T);
  if (leader === null) return outcome(seed, cluster, description, 'no leader before the roll');
  for (let attempt = 0; attempt < 5 && cluster.actingLeader() !== 'n2'; attempt++) {
    cluster.runUntil(cluster.now + 2 * T);
    const current = cluster.actingLeader();
    if (current !== null) cluster.input(current, { type: 'transfer', to: 'n2' });
    cluster.runUntil(cluster.now + 10 * T, () => cluster.actingLeader() === 'n2');
  }
  if (cluster.actingLeader() !== 'n2') {
    return outcome(seed, cluster, description, `n2 did not take over from ${leader}`);
  }
  const gracePeriodMs = 40 * T;
  for (const id of oldList.slice(1).reverse()) {
    const isRemoved = (): boolean => {
      const state = cluster.stateOf(id);
      return state !== null && hasLeft(state);
    };
    cluster.leave(id);
    cluster.runUntil(cluster.now + gracePeriodMs, isRemoved);
    if (cluster.currentViolation() !== null || !isRemoved()) {
      return outcome(
        seed,
        cluster,
        description,
        cluster.currentViolation() ??
          `${id} was not removed within its grace period (${gracePeriodMs} ms); leader ${cluster.actingLeader() ?? 'none'} holds ${JSON.stringify(cluster.configurationOf(cluster.actingLeader() ?? 'n1'))}`,
      );
    }
    cluster.deletePod(id);
  }
  cluster.restartWith('n1', ['n1']);
  return outcome(seed, cluster, description, settle(cluster, ['n1'], T));
}
