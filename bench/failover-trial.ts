import type { LeaderAnswer, SidecarCluster } from '../test/helpers/sidecar-cluster.js';
import { LeaderWatch } from './leader-watch.js';

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
      }, 30_000).unref();
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
