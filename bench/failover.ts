// npm run bench:failover [-- --trials 30 --backend raft]
// Measures failover of the real CLI on loopback: from the signal to the leader until a surviving
// member's API reports the new leader. Format: shared/BENCH.md.
import { parseArgs } from 'node:util';
import { SidecarCluster, type LeaderAnswer } from '../test/helpers/sidecar-cluster.js';
import { measureEtcdRaftReference } from './etcd-reference.js';
import { LeaderWatch } from './leader-watch.js';
import { BenchOutput } from './output.js';
import { summary } from './stats.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'raft' },
    timings: { type: 'string', default: '100/500,100/1000' },
    reference: { type: 'boolean', default: true },
  },
});
const trials = Number(values.trials);
if (!Number.isInteger(trials) || trials < 1) {
  console.error(`--trials: expected a whole number ≥ 1; got ${JSON.stringify(values.trials)}`);
  process.exit(2);
}
if (values.backend !== 'raft') {
  console.error(
    `--backend: this benchmark runs raft so far; got ${JSON.stringify(values.backend)}`,
  );
  process.exit(2);
}

type Mode = 'crash' | 'graceful';

async function trial(cluster: SidecarCluster, mode: Mode): Promise<number | null> {
  const before: LeaderAnswer = await cluster.waitForAgreedLeader(
    'all members agree before the fault',
    20_000,
  );
  const survivors = cluster.members.filter((member) => member.id !== before.self);
  const watches = survivors.map(
    (member) => new LeaderWatch(`http://127.0.0.1:${member.httpPort}/leader/watch`),
  );
  try {
    await Promise.all(watches.map((watch) => watch.ready));
    const isNewLeader = (event: { id: string | null; fencingToken: number | null }): boolean =>
      event.id !== null &&
      event.id !== before.self &&
      (event.fencingToken ?? 0) > (before.fencingToken ?? 0);
    const reported = Promise.race(watches.map((watch) => watch.next(isNewLeader)));
    const timeout = new Promise<null>((resolve) => {
      setTimeout(() => {
        resolve(null);
      }, 15_000).unref();
    });
    const faultAt = performance.now();
    const stopped = cluster.stopMember(before.self, mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
    const at = await Promise.race([reported, timeout]);
    await stopped;
    return at === null ? null : at - faultAt;
  } finally {
    for (const watch of watches) watch.close();
    cluster.startMember(before.self);
  }
}

async function main(): Promise<void> {
  const output = new BenchOutput('failover');
  for (const timing of values.timings.split(',')) {
    const [heartbeat = '100', election = '500'] = timing.split('/');
    for (const mode of ['crash', 'graceful'] as const) {
      const cluster = await SidecarCluster.start({
        size: 3,
        heartbeat: `${heartbeat}ms`,
        electionTimeout: `${election}ms`,
      });
      try {
        const samples: number[] = [];
        let failed = 0;
        for (let index = 0; index < trials; index++) {
          const took = await trial(cluster, mode);
          if (took === null) failed++;
          else samples.push(took);
        }
        output.add({
          backend: 'raft',
          mode,
          members: 3,
          trials,
          heartbeat_ms: Number(heartbeat),
          election_timeout_ms: Number(election),
          ...summary(samples),
          failed_trials: failed,
        });
      } finally {
        await cluster.stop();
      }
    }
    if (values.reference) {
      for (const row of await measureEtcdRaftReference(Number(heartbeat), Number(election), trials))
        output.add(row);
    }
  }
  output.write();
}

await main();
