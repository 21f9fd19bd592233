import type { LeaderAnswer, SidecarCluster } from '../lab/sidecar-cluster.js';
import { watchForSuccessor } from './successor-watch.js';

/**
 * One failover: waits until every member agrees on a leader, opens the survivors' watch streams,
 * signals the leader (SIGKILL for crash, SIGTERM for graceful) and returns the milliseconds until
 * the first survivor reports a new leader with a higher fencing token (null after 30 s). The old
 * leader is started again afterwards.
 */
export async function runFailoverTrial(
  cluster: SidecarCluster,
  mode: 'crash' | 'graceful',
): Promise<number | null> {
  const before: LeaderAnswer = await cluster.waitForAgreedLeader(
    'all members agree before the fault',
    60_000,
  );
  const watch = await watchForSuccessor(cluster, before, 30_000);
  try {
    const faultAt = performance.now();
    const stopped = cluster.stopMember(before.self, mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
    const at = await watch.reportedAt;
    await stopped;
    return at === null ? null : at - faultAt;
  } finally {
    watch.close();
    cluster.startMember(before.self);
  }
}
