import type { SidecarCluster } from '../lab/sidecar-cluster.js';
import { nullOnDeadline, waitFor, within } from '../lab/wait-for.js';
import { LeaderWatch } from './leader-watch.js';

/** The priority the preferred member restarts with; every other member runs with 0. */
export const preferredPriority = 100;

/**
 * One priority takeover: waits until every member agrees on a leader, restarts one follower with
 * `--priority` above everyone else's (the cluster's env sets `--priority-handover-delay` low),
 * and returns the milliseconds from that member answering HTTP (eligible) until its own
 * `/leader/watch` reports that it leads; null when it does not within `boundMs`, so a backend
 * that never hands over yields failed trials instead of a hang. The member restarts with
 * priority 0 afterwards, so the next trial again starts from a leader that is not preferred.
 */
export async function runPriorityTrial(
  cluster: SidecarCluster,
  boundMs: number,
): Promise<number | null> {
  const before = await cluster.waitForAgreedLeader('all members agree before the trial', 60_000);
  const preferred = cluster.running().find((member) => member.id !== before.self);
  if (preferred === undefined) throw new Error('the priority trial needs a follower');
  await cluster.stopMember(preferred.id, 'SIGTERM');
  preferred.extraEnv = { ...preferred.extraEnv, ELECTOR_PRIORITY: String(preferredPriority) };
  cluster.startMember(preferred.id);
  let watch: LeaderWatch | null = null;
  try {
    // Polled at 5 ms: the member cannot lead sooner than the handover delay after it answers.
    await waitFor(async () => (await cluster.leaderAnswer(preferred.id)) !== null, {
      timeoutMs: 30_000,
      what: `${preferred.id} to answer HTTP after its restart with --priority ${preferredPriority}`,
      intervalMs: 5,
    });
    const eligibleAt = performance.now();
    watch = new LeaderWatch(`http://127.0.0.1:${preferred.httpPort}/leader/watch`);
    const ledAt = await within(
      watch.next((event) => event.id === preferred.id),
      boundMs,
      `${preferred.id} to lead`,
    ).catch(nullOnDeadline);
    return ledAt === null ? null : ledAt - eligibleAt;
  } finally {
    watch?.close();
    await cluster.stopMember(preferred.id, 'SIGTERM');
    preferred.extraEnv = Object.fromEntries(
      Object.entries(preferred.extraEnv).filter(([name]) => name !== 'ELECTOR_PRIORITY'),
    );
    cluster.startMember(preferred.id);
  }
}
