// npm run bench:membership [-- --trials 10 --changes 1-3,3-5,5-7,7-5,5-3]
// How long a change of the Raft member set takes, on the built CLI on loopback. Each trial starts
// a mesh of the old size with clean state, waits for its leader, then rolls the new list the way
// a StatefulSet does (new pods start with it first; pods scaled away stop first; then one member
// of both lists restarts with it) and measures from the start of the last of those processes, and
// from its first HTTP answer, until some member reports the new configuration committed.
// Format: shared/BENCH.md (fields of a failover scenario where they apply).
import { parseArgs } from 'node:util';
import { metricValue, SidecarCluster } from '../lab/sidecar-cluster.js';
import { membershipAt, type MembershipAnswer } from '../lab/membership.js';
import { waitFor } from '../lab/wait-for.js';
import { BenchOutput } from './output.js';
import { summary } from './stats.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    changes: { type: 'string', default: '1-3,3-5,5-7,7-5,5-3' },
  },
});
const trials = Number(values.trials);
const changes = values.changes.split(',').map((text) => text.split('-').map(Number));
const sizes = [1, 3, 5, 7];
const problems = [
  ...(Number.isInteger(trials) && trials >= 1
    ? []
    : [`--trials: expected a whole number ≥ 1; got "${values.trials}"`]),
  ...changes
    .filter(
      ([from, to]) =>
        from === undefined ||
        to === undefined ||
        !sizes.includes(from) ||
        !sizes.includes(to) ||
        from === to ||
        to < from - Math.floor(from / 2),
    )
    .map(
      (change) =>
        `--changes: expected from-to pairs of 1, 3, 5, 7 that keep a majority of the old set (e.g. 3-5, 5-3); got "${change.join('-')}"`,
    ),
];
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}

const heartbeatMs = 100;
const electionTimeoutMs = 500;
const ids = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `member-${index}`);

function membershipOf(cluster: SidecarCluster, id: string): Promise<MembershipAnswer | null> {
  return membershipAt(`http://127.0.0.1:${cluster.member(id).httpPort}`);
}

/** Some member reports the change done: `members` final and committed (followers learn it next). */
function holds(answer: MembershipAnswer | null, members: readonly string[]): boolean {
  const configuration = answer?.configuration;
  return (
    configuration?.outgoing === null &&
    configuration.isCommitted &&
    configuration.voters.join(',') === members.join(',')
  );
}

async function isUp(cluster: SidecarCluster, id: string): Promise<boolean> {
  return (await cluster.leaderAnswer(id)) !== null;
}

interface Trial {
  readonly fromStartMs: number;
  readonly fromReadyMs: number;
  readonly jointToFinalMs: number | null;
}

async function runTrial(from: number, to: number): Promise<Trial> {
  const cluster = await SidecarCluster.start({
    size: from,
    pool: Math.max(from, to),
    heartbeat: `${heartbeatMs}ms`,
    electionTimeout: `${electionTimeoutMs}ms`,
  });
  try {
    const oldList = ids(from);
    const newList = ids(to);
    const leader = await cluster.waitForAgreedLeader('the old mesh to elect a leader');
    await waitFor(
      async () =>
        (await Promise.all(oldList.map((id) => membershipOf(cluster, id)))).every((answer) =>
          holds(answer, oldList),
        ),
      { timeoutMs: 20_000, what: 'the old configuration to commit everywhere' },
    );
    for (const id of newList.filter((member) => !oldList.includes(member))) {
      cluster.startMember(id, [], newList);
    }
    await Promise.all(
      oldList.filter((id) => !newList.includes(id)).map((id) => cluster.stopMember(id, 'SIGTERM')),
    );
    await waitFor(
      async () =>
        (await Promise.all(cluster.running().map((member) => isUp(cluster, member.id)))).every(
          Boolean,
        ),
      { timeoutMs: 20_000, what: 'the new members to answer' },
    );
    const restarted =
      oldList.find((id) => id !== leader.self && newList.includes(id)) ?? leader.self;
    await cluster.stopMember(restarted, 'SIGTERM');
    const startedAt = performance.now();
    cluster.startMember(restarted, [], newList);
    const readyAt = await waitFor(
      async () => ((await isUp(cluster, restarted)) ? performance.now() : undefined),
      { timeoutMs: 20_000, intervalMs: 2, what: `${restarted} to answer` },
    );
    const committedAt = await waitFor(
      async () => {
        const answers = await Promise.all(
          cluster.running().map((member) => membershipOf(cluster, member.id)),
        );
        return answers.some((answer) => holds(answer, newList)) ? performance.now() : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 5, what: 'the new configuration to commit' },
    );
    const texts = await Promise.all(cluster.running().map((member) => cluster.metrics(member.id)));
    const name = 'elector_raft_configuration_change_duration_seconds';
    const count = texts.reduce((sum, text) => sum + metricValue(text, `${name}_count`), 0);
    const seconds = texts.reduce((sum, text) => sum + metricValue(text, `${name}_sum`), 0);
    return {
      fromStartMs: committedAt - startedAt,
      fromReadyMs: committedAt - readyAt,
      jointToFinalMs: count === 0 ? null : (1000 * seconds) / count,
    };
  } finally {
    await cluster.stop();
  }
}

const output = new BenchOutput('membership');
for (const [from = 3, to = 5] of changes) {
  const results: Trial[] = [];
  let failed = 0;
  for (let index = 0; index < trials; index++) {
    try {
      results.push(await runTrial(from, to));
    } catch (error) {
      failed += 1;
      console.error(`${from} -> ${to}, trial ${index + 1}: ${String(error)}`);
    }
  }
  const jointToFinal = results.flatMap((result) =>
    result.jointToFinalMs === null ? [] : [result.jointToFinalMs],
  );
  output.add({
    backend: 'raft',
    mode: 'membership-change',
    from_members: from,
    to_members: to,
    trials,
    heartbeat_ms: heartbeatMs,
    election_timeout_ms: electionTimeoutMs,
    ...summary(results.map((result) => result.fromReadyMs)),
    from_start: summary(results.map((result) => result.fromStartMs)),
    joint_to_final: summary(jointToFinal),
    failed_trials: failed,
    measured:
      'from the last member of the roll answering HTTP (p50_ms...) and from its process start (from_start) until a member reports the new configuration committed; joint_to_final: the leader appending the joint entry until the final one committed',
  });
}
output.write();
