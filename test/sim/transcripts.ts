import type { RaftTiming } from '../../src/core/raft/config.js';
import { isSameMemberSet } from '../../src/core/raft/configuration.js';
import { seededRandom } from '../../src/core/random.js';
import { SimCluster, perfectNetwork } from './cluster.js';

/**
 * Scripted runs of the simulator whose full transcripts are checked in under testdata/ and read
 * in review (etcd-io/raft's testdata approach): a change to the core that alters what happens
 * in one of them shows up as a diff of readable lines.
 */
export interface TranscriptScenario {
  readonly name: string;
  readonly description: string;
  readonly run: (cluster: SimCluster) => void;
}

/** The timing every transcript runs with (the flags' defaults). */
const timing: RaftTiming = {
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 500,
  maxClockDrift: 0.05,
};
const T = timing.electionTimeoutMs;
const three = ['n1', 'n2', 'n3'];
const five = ['n1', 'n2', 'n3', 'n4', 'n5'];

function untilLeader(cluster: SimCluster): string {
  cluster.runUntil(cluster.now + 20 * T, () => cluster.actingLeader() !== null);
  const leader = cluster.actingLeader();
  if (leader === null) throw new Error(`no leader by ${cluster.now} ms`);
  return leader;
}

/**
 * Runs until the acting leader has committed an entry of its own term whose voters are
 * `members`, and every one of `holders` (by default the members) holds that entry.
 */
function untilCommitted(
  cluster: SimCluster,
  members: readonly string[],
  holders: readonly string[] = members,
): void {
  cluster.runUntil(cluster.now + 40 * T, () => {
    const leader = cluster.actingLeader();
    const state = leader === null ? null : cluster.stateOf(leader);
    const entry = state?.configuration ?? null;
    return (
      state !== null &&
      entry !== null &&
      entry.term === state.term &&
      entry.outgoing === null &&
      isSameMemberSet(entry.voters, members) &&
      state.commitIndex >= entry.index &&
      holders.every((id) => cluster.configurationOf(id)?.index === entry.index)
    );
  });
}

export const transcriptScenarios: readonly TranscriptScenario[] = [
  {
    name: 'cold-start',
    description:
      'three empty members found the cluster and elect a leader, which commits its entry',
    run(cluster) {
      untilLeader(cluster);
      untilCommitted(cluster, three);
    },
  },
  {
    name: 'leader-crash',
    description:
      'the leader of three crashes; the others wait out its lease, then elect a successor',
    run(cluster) {
      const first = untilLeader(cluster);
      untilCommitted(cluster, three);
      cluster.crash(first);
      cluster.runUntil(
        cluster.now + 20 * T,
        () => cluster.actingLeader() !== null && cluster.actingLeader() !== first,
      );
      untilCommitted(
        cluster,
        three,
        three.filter((id) => id !== first),
      );
    },
  },
  {
    name: 'graceful-transfer',
    description: 'the leader of three is asked to hand over (SIGTERM) and transfers to a follower',
    run(cluster) {
      const first = untilLeader(cluster);
      untilCommitted(cluster, three);
      cluster.input(first, { type: 'transfer' });
      cluster.runUntil(
        cluster.now + 20 * T,
        () => cluster.actingLeader() !== null && cluster.actingLeader() !== first,
      );
    },
  },
  {
    name: 'isolated-leader',
    description:
      'the leader of three loses both followers: it stops acting when its lease ends, the two elect a successor, and after healing the old leader follows',
    run(cluster) {
      const first = untilLeader(cluster);
      untilCommitted(cluster, three);
      cluster.isolate([first]);
      cluster.runUntil(
        cluster.now + 20 * T,
        () => cluster.actingLeader() !== null && cluster.actingLeader() !== first,
      );
      cluster.healNetwork();
      cluster.runUntil(cluster.now + 4 * T);
    },
  },
  {
    name: 'scale-3-to-5',
    description:
      'a StatefulSet roll from three to five: two new pods start with the five-member list, then each old member restarts with it; the leader goes through the joint configuration',
    run(cluster) {
      untilLeader(cluster);
      untilCommitted(cluster, three);
      cluster.createPod('n4', five, true);
      cluster.createPod('n5', five, true);
      for (const id of ['n3', 'n2', 'n1']) {
        cluster.restartWith(id, five);
        cluster.runUntil(cluster.now + 2 * T);
      }
      untilLeader(cluster);
      untilCommitted(cluster, five);
    },
  },
];

/** A fresh simulator for a scenario: default timing, a perfect network, seed 1. */
function transcriptCluster(): SimCluster {
  return new SimCluster({
    initialMembers: three,
    timing,
    network: perfectNetwork,
    random: seededRandom(1),
    traceLimit: 100_000,
  });
}

/**
 * The readable transcript of a run: member creations, crashes and restarts, and every step that
 * changed a member's role, term, leader, acting or configuration or reported a notice (steps
 * that only re-armed a timer or answered a heartbeat are left out).
 */
export function transcriptOf(scenario: TranscriptScenario): string {
  const cluster = transcriptCluster();
  scenario.run(cluster);
  const violation = cluster.currentViolation();
  const lastSummary = new Map<string, string>();
  const lines = cluster.recentTrace().filter((line) => {
    const match = /^\S+ (\S+) .*? -> ([^[]*?)( \[.*)?$/.exec(line);
    if (match === null) return true;
    const [, id = '', summary = '', notices] = match;
    const isChange = lastSummary.get(id) !== summary;
    lastSummary.set(id, summary);
    return isChange || notices !== undefined;
  });
  return [
    `# ${scenario.name}: ${scenario.description}`,
    '# seed 1, heartbeat 100 ms, T 500 ms, max clock drift 0.05, perfect network (0.5-2 ms)',
    '# columns: time (ms), member, input -> role, term, leader, acting, configuration index/term [notices]',
    '# regenerate: UPDATE_GOLDEN=1 node --import tsx --test test/sim/transcripts.test.ts',
    ...lines,
    `# end at ${cluster.now.toFixed(3)} ms: ${violation === null ? 'no violation' : `VIOLATION ${violation}`}`,
    '',
  ].join('\n');
}
