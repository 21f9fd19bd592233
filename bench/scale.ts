// npm run bench:scale [-- --trials 10 --sizes 3,5,7]
// How failover of the Raft mesh grows with its size: the built CLI on loopback, SIGKILL of the
// leader, time until a surviving member's API names the new leader, and the peer messages the
// survivors sent across the failover. Format: shared/BENCH.md ("Scale scenario").
import { parseArgs } from 'node:util';
import { metricValue, SidecarCluster } from '../test/helpers/sidecar-cluster.js';
import { watchForSuccessor } from './successor-watch.js';
import { BenchOutput } from './output.js';
import { percentile, round, summary } from './stats.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '3,5,7' },
    heartbeat: { type: 'string', default: '100' },
    'election-timeout': { type: 'string', default: '500' },
  },
});
const trials = Number(values.trials);
const sizes = values.sizes.split(',').map(Number);
const heartbeatMs = Number(values.heartbeat);
const electionTimeoutMs = Number(values['election-timeout']);
const problems = [
  Number.isInteger(trials) && trials >= 1
    ? null
    : `--trials: expected a whole number ≥ 1; got ${JSON.stringify(values.trials)}`,
  sizes.every((size) => [1, 3, 5, 7].includes(size))
    ? null
    : `--sizes: expected some of 3,5,7 (the mesh allows 1, 3, 5 or 7 members); got ${JSON.stringify(values.sizes)}`,
  heartbeatMs > 0 && electionTimeoutMs >= 3 * heartbeatMs
    ? null
    : `--heartbeat/--election-timeout: expected ms with timeout ≥ 3 × heartbeat; got ${values.heartbeat}/${values['election-timeout']}`,
].filter((problem) => problem !== null);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}

interface Trial {
  /** From SIGKILL until the first survivor's /leader/watch names the new leader; null if none. */
  readonly failoverMs: number | null;
  /** Peer messages the survivors sent (and could not send) from SIGKILL until they all agreed. */
  readonly counted: Counters;
}

interface Counters {
  readonly sent: number;
  readonly heartbeats: number;
  readonly dropped: number;
}

/** Peer messages the members `ids` sent so far: all, heartbeats and their answers, and unsendable. */
async function sentBy(cluster: SidecarCluster, ids: readonly string[]): Promise<Counters> {
  const texts = await Promise.all(ids.map((id) => cluster.metrics(id)));
  const count = (filter: string): number =>
    texts.reduce((sum, text) => sum + metricValue(text, 'elector_peer_messages_total', filter), 0);
  return {
    sent: count('direction="out",result="accepted"'),
    heartbeats:
      count('type="heartbeat",direction="out",result="accepted"') +
      count('type="heartbeat-response",direction="out",result="accepted"'),
    dropped: count('direction="out",result="dropped"'),
  };
}

async function trial(cluster: SidecarCluster): Promise<Trial> {
  const before = await cluster.waitForAgreedLeader('all members agree before the crash', 30_000);
  const survivors = cluster.members.filter((member) => member.id !== before.self);
  const ids = survivors.map((member) => member.id);
  const watch = await watchForSuccessor(cluster, before, 15_000);
  try {
    const countersBefore = await sentBy(cluster, ids);
    const faultAt = performance.now();
    const killed = cluster.stopMember(before.self, 'SIGKILL');
    const at = await watch.reportedAt;
    await killed;
    await cluster.waitForAgreedLeader('the survivors agree on a new leader', 15_000, [before.self]);
    const countersAfter = await sentBy(cluster, ids);
    return {
      failoverMs: at === null ? null : at - faultAt,
      counted: {
        sent: countersAfter.sent - countersBefore.sent,
        heartbeats: countersAfter.heartbeats - countersBefore.heartbeats,
        dropped: countersAfter.dropped - countersBefore.dropped,
      },
    };
  } finally {
    watch.close();
    cluster.startMember(before.self);
  }
}

async function main(): Promise<void> {
  const output = new BenchOutput('scale');
  for (const size of sizes) {
    const cluster = await SidecarCluster.start({
      size,
      heartbeat: `${heartbeatMs}ms`,
      electionTimeout: `${electionTimeoutMs}ms`,
    });
    try {
      const results: Trial[] = [];
      for (let index = 0; index < trials; index++) results.push(await trial(cluster));
      const times = results.flatMap((result) =>
        result.failoverMs === null ? [] : [result.failoverMs],
      );
      const sent = results.map((result) => result.counted.sent);
      const mean = (pick: (counted: Counters) => number): number =>
        round(results.reduce((sum, result) => sum + pick(result.counted), 0) / results.length);
      output.add({
        backend: 'raft',
        mode: 'crash',
        members: size,
        trials,
        heartbeat_ms: heartbeatMs,
        election_timeout_ms: electionTimeoutMs,
        ...summary(times),
        failed_trials: results.length - times.length,
        events_per_failover: mean((counted) => counted.sent),
        events_max: percentile(sent, 1),
        election_messages_per_failover: mean((counted) => counted.sent - counted.heartbeats),
        unsendable_per_failover: mean((counted) => counted.dropped),
        events:
          'peer messages sent by the survivors from SIGKILL until all agree on the new leader',
      });
    } finally {
      await cluster.stop();
    }
  }
  output.write();
}

await main();
