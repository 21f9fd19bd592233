import { startEtcd } from '../lab/etcd-server.js';
import { summary } from './stats.js';

interface StatusAnswer {
  readonly header?: { readonly member_id?: string };
  readonly leader?: string;
}

async function leaderSeenBy(endpoint: string): Promise<string | null> {
  try {
    const response = await fetch(`http://${endpoint}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(500),
    });
    const body = (await response.json()) as StatusAnswer;
    return body.leader === undefined || body.leader === '0' ? null : body.leader;
  } catch {
    return null;
  }
}

/**
 * The reference system in the same run: etcd's own Raft (3 members, same heartbeat and election
 * timeout), leader SIGKILLed, timed until a surviving member's status names a new leader
 * (polled every 2 ms through etcd's JSON gateway).
 */
export async function measureEtcdRaftReference(
  heartbeatMs: number,
  electionTimeoutMs: number,
  trials: number,
): Promise<Record<string, unknown>[]> {
  const cluster = await startEtcd({ members: 3, heartbeatMs, electionTimeoutMs });
  const samples: number[] = [];
  let failed = 0;
  try {
    for (let index = 0; index < trials; index++) {
      await cluster.waitHealthy(20_000);
      const leader = await cluster.raftLeader();
      const oldLeaderId = await leaderSeenBy(leader.endpoint);
      const survivors = cluster.members.filter((member) => member !== leader);
      const faultAt = performance.now();
      const killed = leader.kill();
      let reportedAt: number | null = null;
      const deadline = faultAt + 15_000;
      while (reportedAt === null && performance.now() < deadline) {
        const seen = await Promise.all(survivors.map((member) => leaderSeenBy(member.endpoint)));
        if (seen.some((id) => id !== null && id !== oldLeaderId)) reportedAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await killed;
      if (reportedAt === null) failed++;
      else samples.push(reportedAt - faultAt);
      await leader.restart();
    }
  } finally {
    await cluster.stop();
  }
  return [
    {
      backend: 'reference:etcd-raft',
      mode: 'crash',
      members: 3,
      trials,
      heartbeat_ms: heartbeatMs,
      election_timeout_ms: electionTimeoutMs,
      ...summary(samples),
      failed_trials: failed,
    },
  ];
}
