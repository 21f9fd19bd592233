// The server's own count of watch notifications it sent, as a cross-check of the sidecars'
// elector_watch_events_total. Both counters exist on the servers installed here (checked on
// etcd 3.4.23 and ZooKeeper 3.8.0).
import { connect } from 'node:net';
import { metricValue } from '../test/helpers/sidecar-cluster.js';

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

/**
 * The `mntr` answer of one ZooKeeper server (host:port). test/helpers/zookeeper-server.ts has
 * the same four-letter-word client, but only on the server objects it starts, and the bench gets
 * the servers through backend-setups.ts, which hands out only the sidecars' environment.
 */
function monitor(server: string): Promise<string> {
  const separator = server.lastIndexOf(':');
  const host = server.slice(0, separator);
  const port = Number(server.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let answer = '';
    socket.setTimeout(2000, () => {
      socket.destroy(new Error(`${server}: no answer to mntr within 2000 ms`));
    });
    socket.on('connect', () => {
      socket.end('mntr');
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(answer);
    });
  });
}
