// `elector resign --to <id>` and `--priority` preemption on the built CLI over etcd: the leader
// hands over to exactly the member named (members ahead of it step aside), and to a member of
// higher priority once it has been queued for --priority-handover-delay, not before.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startChild } from '../../lab/child.js';
import { startEtcd } from '../../lab/etcd-server.js';
import { statusMembersAt } from '../../lab/membership.js';
import { cliPath, SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

async function runCli(args: readonly string[]): Promise<{ code: number | string; output: string }> {
  const child = startChild(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '' },
  });
  const code = await child.exited;
  return { code, output: child.output() };
}

const windowMs = 3000;

describe('elector resign --to and --priority on the etcd backend', async () => {
  const etcd = await startEtcd({ members: 1 });
  const cluster = await SidecarCluster.start({
    size: 3,
    backend: 'etcd',
    env: {
      ELECTOR_ETCD_ENDPOINTS: etcd.endpoints.join(','),
      ELECTOR_ETCD_LEASE_TTL: '2s',
      ELECTOR_PRIORITY_HANDOVER_DELAY: `${windowMs}ms`,
    },
  });
  after(async () => {
    await cluster.stop();
    await etcd.stop();
  });
  const urlOf = (id: string): string => `http://127.0.0.1:${cluster.member(id).httpPort}`;
  /**
   * Waits until `leader` sees `target` queued: a member that just handed over queues again, and
   * the leader hears of its new key a moment after every member agrees on who leads.
   */
  const untilQueuedAt = (leader: string, target: string): Promise<unknown> =>
    waitFor(
      async () => {
        const members = await statusMembersAt(urlOf(leader));
        return members?.some((member) => member.id === target && member.rank !== null);
      },
      { timeoutMs: 20_000, what: `${leader} to see ${target} queued` },
    );

  test('resign --to hands leadership to exactly the member named, each time, with a higher token', async () => {
    let leader = await cluster.waitForAgreedLeader('a first leader', 20_000);
    for (let round = 0; round < 2; round++) {
      const followers = cluster.members.filter((member) => member.id !== leader.self);
      const target = followers.at(round % followers.length);
      assert.ok(target);
      await untilQueuedAt(leader.self, target.id);
      const { code, output } = await runCli([
        'resign',
        '--to',
        target.id,
        '--url',
        urlOf(leader.self),
      ]);
      assert.equal(code, 0, output);
      const next = await cluster.waitForAgreedLeader(`${target.id} to lead`, 20_000, [leader.self]);
      assert.equal(next.self, target.id, cluster.logs());
      assert.ok((next.fencingToken ?? 0) > (leader.fencingToken ?? 0), 'a higher fencing token');
      leader = next;
    }
    const { code, output } = await runCli([
      'resign',
      '--to',
      'no-such-member',
      '--url',
      urlOf(leader.self),
    ]);
    assert.equal(code, 1, output);
    assert.match(output, /refused: TRANSFER_FAILED: .*not a candidate/);
    const still = await cluster.waitForAgreedLeader('the same leader', 20_000);
    assert.equal(still.self, leader.self);
    assert.equal(still.fencingToken, leader.fencingToken, 'the same fencing token');
  });

  test('a member restarted with a higher --priority leads once the window has passed, not before', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader', 20_000);
    const preferred = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(preferred);
    await cluster.stopMember(preferred.id, 'SIGTERM');
    preferred.extraEnv = { ELECTOR_PRIORITY: '5' };
    const restartedAt = performance.now();
    cluster.startMember(preferred.id);
    const next = await cluster.waitForAgreedLeader(`${preferred.id} to take over`, 30_000, [
      leader.self,
    ]);
    const waitedMs = performance.now() - restartedAt;
    assert.equal(next.self, preferred.id, cluster.logs());
    assert.ok(waitedMs >= windowMs, `not before the window: after ${waitedMs} ms`);
    assert.ok((next.fencingToken ?? 0) > (leader.fencingToken ?? 0), 'a higher fencing token');
  });
});
