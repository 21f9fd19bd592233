// The server's own count of watch notifications it sent, as a cross-check of the sidecars'
// elector_watch_events_total. Both counters exist on the servers installed here (checked on
// etcd 3.4.23 and ZooKeeper 3.8.0).
import { metricValue } from '../../lab/sidecar-cluster.js';
import { fourLetterWord } from '../../lab/zookeeper-server.js';

/**
 * Watch notifications the servers named in `env` (as backend-setups.ts hands it to the sidecars)
 * have sent so far, summed over their watchers and servers. Rejects if a server does not answer.
 *
 * etcd: `etcd_debugging_mvcc_events_total` ("events sent by this member", counted per watcher as
 * the watch stream sends them). ZooKeeper: `mntr`'s `zk_sum_node_*_watch_count`, which add up the
 * watchers each created, deleted, changed or children event triggered.
 */
export async function serverWatchEvents(
  backend: 'etcd' | 'zookeeper',
  env: Readonly<Record<string, string>>,
): Promise<number> {
  if (backend === 'etcd') {
    const endpoints = (env.ELECTOR_ETCD_ENDPOINTS ?? '').split(',');
    const texts = await Promise.all(
      endpoints.map(async (endpoint) => {
        const response = await fetch(`http://${endpoint}/metrics`, {
          signal: AbortSignal.timeout(2000),
        });
        return response.text();
      }),
    );
    return texts.reduce(
      (sum, text) => sum + metricValue(text, 'etcd_debugging_mvcc_events_total'),
      0,
    );
  }
  const servers = (env.ELECTOR_ZOOKEEPER_CONNECT ?? '').split(',');
  const answers = await Promise.all(servers.map((server) => monitor(server)));
  return answers.reduce((sum, answer) => sum + triggeredWatchers(answer), 0);
}

function triggeredWatchers(mntr: string): number {
  let total = 0;
  for (const line of mntr.split('\n')) {
    const [name, value] = line.split('\t');
    if (name !== undefined && /^zk_sum_node_\w+_watch_count$/.test(name)) total += Number(value);
  }
  return total;
}

/** The `mntr` answer of one ZooKeeper server (host:port). */
function monitor(server: string): Promise<string> {
  const separator = server.lastIndexOf(':');
  return fourLetterWord(Number(server.slice(separator + 1)), 'mntr', server.slice(0, separator));
}
