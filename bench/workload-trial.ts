import type { LeaderAnswer, SidecarCluster } from '../lab/sidecar-cluster.js';
import type { WorkloadServer } from '../lab/workload-server.js';
import { watchForSuccessor } from './successor-watch.js';

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
  const workload = workloads.get(before.self);
  const watch = await watchForSuccessor(cluster, before, 30_000);
  try {
    const faultAt = performance.now();
    workload?.setState('unhealthy');
    const at = await watch.reportedAt;
    return at === null ? null : at - faultAt;
  } finally {
    watch.close();
    workload?.setState('healthy');
  }
}
