// How failover of the Raft mesh grows with its size: SIGKILL (crash) and SIGTERM (graceful) of the
// leader, time until a surviving member's API names the new leader, and the peer messages the
// survivors sent across the failover.
import { metricValue, SidecarCluster } from '../../lab/sidecar-cluster.js';
import type { BenchOutput } from '../output.js';
import type { ScaleOptions } from './options.js';
import { runCountedFailover, type CountedFailover, type Counts } from './trial.js';
import { percentile, round, summary } from '../stats.js';

type PeerCounter = 'sent' | 'heartbeats' | 'dropped';

/** Peer messages the members `ids` sent so far: all, heartbeats and their answers, and unsendable. */
async function sentBy(
  cluster: SidecarCluster,
  ids: readonly string[],
): Promise<Counts<PeerCounter>> {
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

/** One scenario line per mesh size in `options.sizes`. */
export async function measureRaftScale(output: BenchOutput, options: ScaleOptions): Promise<void> {
  const { trials, heartbeatMs, electionTimeoutMs } = options;
  for (const size of options.sizes) {
    const cluster = await SidecarCluster.start({
      size,
      heartbeat: `${heartbeatMs}ms`,
      electionTimeout: `${electionTimeoutMs}ms`,
    });
    try {
      for (const mode of ['crash', 'graceful'] as const) {
        const results: CountedFailover<PeerCounter>[] = [];
        for (let index = 0; index < trials; index++) {
          results.push(
            await runCountedFailover(cluster, mode, (ids) => sentBy(cluster, ids), {
              settleMs: 30_000,
              failoverMs: 15_000,
            }),
          );
        }
        const times = results.flatMap((result) =>
          result.failoverMs === null ? [] : [result.failoverMs],
        );
        const counted = results.flatMap((result) =>
          result.counted === null ? [] : [result.counted],
        );
        const mean = (pick: (counts: Counts<PeerCounter>) => number): number =>
          round(counted.reduce((sum, counts) => sum + pick(counts), 0) / counted.length);
        output.add({
          backend: 'raft',
          mode,
          members: size,
          trials,
          heartbeat_ms: heartbeatMs,
          election_timeout_ms: electionTimeoutMs,
          ...summary(times),
          failed_trials: results.filter(
            (result) => result.failoverMs === null || result.counted === null,
          ).length,
          restarted_members: results.reduce((sum, result) => sum + result.restarted.length, 0),
          events_per_failover: mean((counts) => counts.sent),
          events_max: percentile(
            counted.map((counts) => counts.sent),
            1,
          ),
          election_messages_per_failover: mean((counts) => counts.sent - counts.heartbeats),
          unsendable_per_failover: mean((counts) => counts.dropped),
          events: `peer messages sent by the survivors from ${mode === 'crash' ? 'SIGKILL' : 'SIGTERM'} until all agree on the new leader`,
        });
      }
    } finally {
      await cluster.stop();
    }
  }
}
