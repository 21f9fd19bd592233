import type { LeaderAnswer, SidecarCluster } from '../test/helpers/sidecar-cluster.js';
import type { WorkloadServer } from '../test/helpers/workload-server.js';
import { LeaderWatch } from './leader-watch.js';

/**
 * One workload failover: the leader's workload starts failing its health check, and the time runs
 * until a surviving member reports a new leader (null after 30 s). The workload is healthy again
 * afterwards, so the member rejoins as a candidate.
 */
export async function runWorkloadTrial(
  cluster: SidecarCluster,
  workloads: ReadonlyMap<string, WorkloadServer>,
): Promise<number | null> {
  const before: LeaderAnswer = await cluster.waitForAgreedLeader(
    'all members agree before the fault',
    60_000,
  );
  const survivors = cluster.members.filter((member) => member.id !== before.self);
  const watches = survivors.map(
    (member) => new LeaderWatch(`http://127.0.0.1:${member.httpPort}/leader/watch`),
  );
  const workload = workloads.get(before.self);
  try {
    await Promise.all(watches.map((watch) => watch.ready));
    const reported = Promise.race(
      watches.map((watch) =>
        watch.next(
          (event) =>
            event.id !== null &&
            event.id !== before.self &&
            (event.fencingToken ?? 0) > (before.fencingToken ?? 0),
        ),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        resolve(null);
      }, 30_000);
    });
    const faultAt = performance.now();
    workload?.setState('unhealthy');
    const at = await Promise.race([reported, timeout]);
    clearTimeout(timer);
    return at === null ? null : at - faultAt;
  } finally {
    for (const watch of watches) watch.close();
    workload?.setState('healthy');
  }
}
