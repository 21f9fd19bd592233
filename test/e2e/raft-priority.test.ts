// Priority preemption with the built CLI on the Raft mesh (docs/raft-safety.md, "Priority
// preemption"): a member restarted with a higher --priority leads only once it has been back and
// eligible for --priority-handover-delay, by a targeted transfer with a higher fencing token; a
// member that comes and goes inside the window restarts it. /cluster/status shows priority and rank.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { statusMembersAt, type StatusMember } from '../../lab/membership.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

const windowMs = 3000;

describe('priority preemption with the CLI on a Raft mesh', async () => {
  const cluster = await SidecarCluster.start({
    size: 3,
    env: { ELECTOR_PRIORITY_HANDOVER_DELAY: `${windowMs}ms` },
  });
  after(() => cluster.stop());

  const statusOf = (id: string): Promise<readonly StatusMember[] | null> =>
    statusMembersAt(`http://127.0.0.1:${cluster.member(id).httpPort}`);

  test('a higher priority takes over after the window from its last return, not within it', async () => {
    const first = await cluster.waitForAgreedLeader('a first leader');
    const preferred = cluster.members.find((member) => member.id !== first.self);
    assert.ok(preferred);
    await cluster.stopMember(preferred.id, 'SIGTERM');
    preferred.extraEnv = { ELECTOR_PRIORITY: '9' };
    // It comes back and goes again inside the window: no handover may follow from that visit.
    cluster.startMember(preferred.id);
    await waitFor(async () => (await cluster.leaderAnswer(preferred.id))?.id === first.self, {
      timeoutMs: 30_000,
      what: `${preferred.id} to follow ${first.self}`,
    });
    await cluster.stopMember(preferred.id, 'SIGTERM');
    const unchanged = await cluster.waitForAgreedLeader('the leader while it is away');
    assert.deepEqual(
      [unchanged.self, unchanged.fencingToken],
      [first.self, first.fencingToken],
      'no handover from a visit shorter than the window',
    );

    const backAtMs = Date.now();
    cluster.startMember(preferred.id);
    const next = await cluster.waitForAgreedLeader(`${preferred.id} to take over`, 30_000, [
      first.self,
    ]);
    const elapsedMs = Date.now() - backAtMs;
    assert.equal(next.self, preferred.id, cluster.logs());
    assert.ok(elapsedMs >= windowMs, `took over ${elapsedMs} ms after it started`);
    assert.ok((next.fencingToken ?? 0) > (first.fencingToken ?? 0), 'a higher fencing token');

    // The new leader ranks a member once it has heard an acknowledgement from it.
    const members = await waitFor(
      async () => {
        const listed = await statusOf(preferred.id);
        return listed?.every((member) => member.rank !== null) === true ? listed : undefined;
      },
      { timeoutMs: 10_000, what: 'the new leader to rank every member' },
    );
    const own = members.find((member) => member.id === preferred.id);
    assert.deepEqual([own?.priority, own?.rank], [9, 0], JSON.stringify(members));
    const ranks = members.map((member) => member.rank).sort();
    assert.deepEqual(ranks, [0, 1, 2], `one rank each: ${JSON.stringify(members)}`);
  });
});
