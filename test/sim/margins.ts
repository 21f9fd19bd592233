import type { RaftTiming } from '../../src/core/raft/config.js';
import type { NodeState } from '../../src/core/raft/state.js';
import type { SimCluster } from './cluster.js';
import { outcome, type DirectedOutcome } from './directed.js';
import {
  makeActingLeader,
  runUntilLeaseRenewed,
  settleMargin,
  setUpMargin,
  type MarginOptions,
} from './margin-setup.js';

/**
 * Directed schedules for the safety margins of the core: each pushes one margin to its edge,
 * so that a build without that margin shows a violation within a few seeds instead of the
 * tens of thousands the random soak may need. Seeds vary only delays and clock offsets.
 */

/** The widest drift the configuration accepts in the simulator's draws, with T well above the heartbeat. */
const wideDrift: RaftTiming = {
  heartbeatIntervalMs: 10,
  electionTimeoutMs: 100,
  maxClockDrift: 0.2,
};
const noDrift: RaftTiming = { ...wideDrift, maxClockDrift: 0 };

/** Runs `windowMs`, then heals and requires a leader: the violation of either phase, or null. */
function watchThenSettle(cluster: SimCluster, windowMs: number, T: number): string | null {
  cluster.runUntil(cluster.now + windowMs);
  return cluster.currentViolation() ?? settleMargin(cluster, T);
}

/**
 * The drift factor: the leader's clock runs at the slowest rate the bound allows and the
 * followers' at the fastest; the leader is cut off right after a majority acknowledged a
 * heartbeat, and the follower that campaigns does so at the earliest instant, T after it
 * heard that heartbeat. Only the lease's factor (1 − maxClockDrift) ends the old lease first.
 */
export function runSlowLeaderClock(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T } = setUpMargin(seed, 3, wideDrift, options, {
    clockSkew: { n1: -1, n2: 1, n3: 1 },
  });
  const description = 'leader clock slowest, followers fastest, cut right after a lease renewal';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.pinTimersToEarliest(['n2']);
  runUntilLeaseRenewed(cluster, 'n1', T);
  cluster.isolate(['n1']);
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * The lease counted from the heartbeat's send time: acknowledgements reach the leader half an
 * election timeout late while everything else is fast, so the ack's receipt is far later than
 * the instant the followers last heard the leader. The leader is cut off right after a renewal.
 */
export function runLateAcks(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T } = setUpMargin(seed, 3, noDrift, options);
  const description = 'acknowledgements to the leader T/2 late, cut right after a lease renewal';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.pinTimersToEarliest(['n2']);
  cluster.delayLink('n2', 'n1', T / 2);
  cluster.delayLink('n3', 'n1', T / 2);
  cluster.runUntil(cluster.now + T);
  runUntilLeaseRenewed(cluster, 'n1', T);
  cluster.isolate(['n1']);
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * One vote per term, kept across a crash: the leader of five crashes, and two followers that
 * cannot reach each other, with timers that fire at the same instant, campaign in the same
 * term; every voter crashes and restarts right after persisting its vote, then hears the
 * second candidate.
 */
export function runTwinCandidates(seed: number, options: MarginOptions = {}): DirectedOutcome {
  // Twins are what ranked candidacy avoids; they still meet where no rank is known (a leader
  // that sent none, a member that never heard one), which is what this schedule stands for.
  const unranked = { ...options, mutations: { ...options.mutations, skipRankedCandidacy: true } };
  const { cluster, T } = setUpMargin(seed, 5, noDrift, unranked, {
    clockSkew: { n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 },
    crashAfterVoteProbability: 1,
  });
  const description = 'two candidates in one term, voters crash right after voting';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.pinTimersToEarliest(['n2', 'n3']);
  cluster.block('n2', 'n3');
  cluster.block('n3', 'n2');
  cluster.runUntil(cluster.now + 2 * T);
  cluster.crash('n1');
  const isCandidate = (id: string): boolean => cluster.stateOf(id)?.roleState.role === 'candidate';
  cluster.runUntil(cluster.now + 3 * T, () => isCandidate('n2') && isCandidate('n3'));
  cluster.pinTimersToEarliest([]);
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * Transfer's step-down: the leader hands over, and right after the target received TimeoutNow
 * the old leader is cut off. The target is elected at once (voters skip stickiness for a
 * transfer), so only the old leader's stepping down before it sent TimeoutNow keeps them apart.
 */
export function runCutAfterTransfer(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T } = setUpMargin(seed, 3, wideDrift, options);
  const description = 'leader cut off right after its TimeoutNow arrived';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.runUntil(cluster.now + T * (1 + (seed % 7) / 7));
  cluster.input('n1', { type: 'transfer', to: 'n2' });
  // With the old leader's vote n2 wins on its own; without it, it asks for votes first.
  cluster.runUntil(cluster.now + T, () => cluster.stateOf('n2')?.roleState.role !== 'follower');
  cluster.isolate(['n1']);
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * The old leader votes ahead only for a target that holds its configuration entry: n2 stops
 * hearing the new leader n1 right after acknowledging its first heartbeat, so it misses the
 * entry n1 appends once it acts, which n3 then commits; the link returns and n1 hands over to
 * n2 at once. A vote ahead would elect n2 with the older entry, and the next entry it appends
 * would take the committed one's index.
 */
export function runTransferToStaleTarget(
  seed: number,
  options: MarginOptions = {},
): DirectedOutcome {
  const { cluster, T } = setUpMargin(seed, 3, wideDrift, options);
  const description = 'transfer to a member that missed the leader’s newest entry';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.block('n1', 'n2');
  const leader = (): NodeState | null => cluster.stateOf('n1');
  const term = leader()?.term;
  const hasCommittedOwnEntry = (): boolean => {
    const state = leader();
    if (state === null || state.term !== term || state.configuration === null) return false;
    return state.configuration.term === term && state.commitIndex >= state.configuration.index;
  };
  cluster.runUntil(cluster.now + T, hasCommittedOwnEntry);
  if (!hasCommittedOwnEntry()) {
    return outcome(seed, cluster, description, 'n1 never committed an entry of its own term');
  }
  cluster.healNetwork();
  cluster.input('n1', { type: 'transfer', to: 'n2' });
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * Check-quorum: the leader is cut off from everyone right after a lease renewal, and must step
 * down within the bound.
 */
export function runIsolatedLeader(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T } = setUpMargin(seed, 3, wideDrift, options);
  const description = 'leader cut off from everyone right after a lease renewal';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  runUntilLeaseRenewed(cluster, 'n1', T);
  cluster.isolate(['n1']);
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * Stickiness after start-up: n3 has been cut off for a while and campaigns every T; right after
 * the leader renewed its lease on n2's acknowledgement, the leader is cut off and n2 crashes and
 * restarts. n3's next pre-vote and vote reach the restarted n2 while the old lease is live: only
 * n2's refusal for T after its start keeps them from electing a second acting leader.
 */
export function runRestartedVoter(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T, random } = setUpMargin(seed, 3, wideDrift, options);
  const description = 'a voter restarts right after it renewed the lease, a campaigner waits';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  // n3 must hold the leader's entry of this term, or its candidacy is refused for that alone.
  const holdsLeaderEntry = (): boolean =>
    cluster.configurationOf('n3')?.term === cluster.stateOf('n1')?.term;
  cluster.runUntil(cluster.now + 10 * T, holdsLeaderEntry);
  cluster.pinTimersToEarliest(['n3']);
  cluster.isolate(['n3']);
  cluster.runUntil(cluster.now + (3 + random()) * T);
  runUntilLeaseRenewed(cluster, 'n1', T);
  cluster.healNetwork();
  cluster.isolate(['n1']);
  cluster.crash('n2');
  cluster.restart('n2');
  return outcome(seed, cluster, description, watchThenSettle(cluster, 5 * T, T));
}

/**
 * Pre-vote's lease check and leader stickiness: n3 loses its links to the leader only, so it
 * campaigns while n2 still hears the leader. n2 must refuse its pre-votes (or n3's term climbs
 * and deposes the leader when the link returns) and its votes (or two leaders act).
 */
export function runOneSidedCut(seed: number, options: MarginOptions = {}): DirectedOutcome {
  const { cluster, T, random } = setUpMargin(seed, 3, wideDrift, options);
  const description = 'n3 cut off from the leader only, then the link returns';
  const problem = makeActingLeader(cluster, 'n1', T);
  if (problem !== null) return outcome(seed, cluster, description, problem);
  cluster.pinTimersToEarliest(['n3']);
  cluster.block('n1', 'n3');
  cluster.block('n3', 'n1');
  cluster.runUntil(cluster.now + (3 + 2 * random()) * T);
  cluster.pinTimersToEarliest([]);
  const term = cluster.stateOf('n1')?.term;
  cluster.healNetwork();
  cluster.runUntil(cluster.now + 5 * T);
  if (cluster.currentViolation() !== null) {
    return outcome(seed, cluster, description, cluster.currentViolation());
  }
  const after = cluster.stateOf('n1');
  const isDisturbed = after?.term !== term || cluster.actingLeader() !== 'n1';
  return outcome(
    seed,
    cluster,
    description,
    isDisturbed
      ? `n3 returning from a one-sided cut disturbed leader n1 (term ${term} -> ${after?.term}, acting leader now ${cluster.actingLeader() ?? 'none'})`
      : null,
  );
}
