// How failover on etcd and ZooKeeper grows with the number of candidates: crash (SIGKILL) and
// graceful (SIGTERM) of the leader's sidecar, time until a survivor's API names the new leader,
// and the watch notifications the survivors received across the failover. Each candidate watches
// only its predecessor, so a failover should wake one candidate whatever their number. On etcd the
// followers behind the successor also hear that the leader's key went (so they name the new
// leader at once); those notifications wake nobody to campaign and are counted apart.
import { metricValue, SidecarCluster } from '../../lab/sidecar-cluster.js';
import { backendSetups } from '../backend-setups.js';
import type { BenchOutput } from '../output.js';
import type { ScaleOptions } from './options.js';
import { serverWatchEvents } from './server-events.js';
import {
  runCountedFailover,
  type CountedFailover,
  type Counts,
  type FailoverMode,
} from './trial.js';
import { percentile, round, summary } from '../stats.js';

type WatchCounter = 'sidecars' | 'leaderNotices' | 'server';

/** Up to this long for all candidates of a fresh cluster to start and agree on a leader. */
const startDeadlineMs = 180_000;
const deadlines = { settleMs: 60_000, failoverMs: 30_000 };

/** One scenario line per candidate count in `options.candidates` and mode (crash, graceful). */
export async function measureCandidateScale(
  output: BenchOutput,
  backend: 'etcd' | 'zookeeper',
  options: ScaleOptions,
): Promise<void> {
  const setup = backendSetups[backend];
  const variant = setup?.variants[0];
  if (setup === undefined || variant === undefined)
    throw new Error(`backend-setups.ts has no setup for ${backend}`);
  for (const candidates of options.candidates) {
    // A fresh server per count: no keys or znodes of the previous cluster linger in the queue.
    const infrastructure = await setup.start(variant);
    try {
      const cluster = await SidecarCluster.start({
        size: candidates,
        backend,
        env: infrastructure.env,
        ...variant.clusterOptions,
      });
      try {
        await cluster.waitForAgreedLeader(
          `all ${candidates} candidates to agree on a leader`,
          startDeadlineMs,
        );
        const count = async (survivors: readonly string[]): Promise<Counts<WatchCounter>> => {
          const texts = await Promise.all(survivors.map((id) => cluster.metrics(id)));
          const total = (metric: string): number =>
            texts.reduce((sum, text) => sum + metricValue(text, metric), 0);
          return {
            sidecars: total('elector_watch_events_total'),
            leaderNotices: total('elector_leader_watch_events_total'),
            server: await serverWatchEvents(backend, infrastructure.env),
          };
        };
        for (const mode of ['crash', 'graceful'] as const) {
          const results: CountedFailover<WatchCounter>[] = [];
          for (let index = 0; index < options.trials; index++) {
            results.push(await runCountedFailover(cluster, mode, count, deadlines));
          }
          output.add({
            backend,
            mode,
            candidates,
            trials: options.trials,
            ...variant.fields,
            ...describe(results, backend, mode),
          });
        }
      } finally {
        await cluster.stop();
      }
    } finally {
      await infrastructure.stop();
    }
  }
}

const serverCounter = {
  etcd: 'etcd_debugging_mvcc_events_total',
  zookeeper: 'the zk_sum_node_*_watch_count lines of mntr, added up',
} as const;

function describe(
  results: readonly CountedFailover<WatchCounter>[],
  backend: 'etcd' | 'zookeeper',
  mode: FailoverMode,
): Record<string, unknown> {
  const times = results.flatMap((result) =>
    result.failoverMs === null ? [] : [result.failoverMs],
  );
  const agreed = results.flatMap((result) => (result.agreedMs === null ? [] : [result.agreedMs]));
  const counted = results.flatMap((result) => (result.counted === null ? [] : [result.counted]));
  const sidecars = counted.map((counts) => counts.sidecars);
  const leaderNotices = counted.map((counts) => counts.leaderNotices);
  const server = counted.map((counts) => counts.server);
  const mean = (samples: readonly number[]): number =>
    round(samples.reduce((sum, sample) => sum + sample, 0) / samples.length, 2);
  return {
    ...summary(times),
    failed_trials: results.filter((result) => result.failoverMs === null || result.counted === null)
      .length,
    agreed_p50_ms: round(percentile(agreed, 0.5)),
    agreed_max_ms: round(percentile(agreed, 1)),
    restarted_members: results.reduce((sum, result) => sum + result.restarted.length, 0),
    events_per_failover: mean(sidecars),
    events_min: percentile(sidecars, 0),
    events_max: percentile(sidecars, 1),
    leader_notices_per_failover: mean(leaderNotices),
    server_events_per_failover: mean(server),
    server_events_max: percentile(server, 1),
    events: `elector_watch_events_total summed over the survivors, from ${mode === 'crash' ? 'SIGKILL' : 'SIGTERM'} of the leader's sidecar until all survivors agree on the new leader`,
    leader_notices: `elector_leader_watch_events_total summed over the survivors in the same window (etcd: followers behind the successor learning the leader's key is gone)`,
    server_events: `the same window on the server: ${serverCounter[backend]} (campaign wake-ups plus leader notices)`,
  };
}
