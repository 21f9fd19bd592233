import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  actingLeaders,
  LeaderSampler,
  startMembers,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
} from './harness.js';

// One etcd for the whole file; each test uses its own election name, so they cannot interfere.
describe('etcd election with a healthy etcd', () => {
  let etcd: EtcdCluster;
  const running: Member[] = [];

  before(async () => {
    etcd = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
  });

  after(async () => {
    await stopMembers(running);
    await etcd.stop();
  });

  async function start(name: string, count: number): Promise<Member[]> {
    const members = await startMembers(etcd.endpoints, name, count);
    running.push(...members);
    return members;
  }

  test('exactly one of twenty candidates leads', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        members = await start('twenty', 20);
        const sampler = new LeaderSampler(() => members);
        try {
          const leader = await waitForOneLeader(members, 'one leader among twenty');
          assert.equal(leader.id, 'twenty-0');
          assert.deepEqual(sampler.overlaps, []);
        } finally {
          sampler.stop();
        }
      },
    );
  });

  test('resigning hands leadership to the next candidate in queue order with a higher fencing token', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        members = await start('resign', 3);
        const sampler = new LeaderSampler(() => members);
        try {
          const first = await waitForOneLeader(members, 'the first leader');
          const firstToken = first.backend.current().fencingToken;
          await first.backend.resign(AbortSignal.timeout(5000));
          assert.equal(
            first.backend.current().isSelf,
            false,
            'resign resolves only after acting stopped',
          );
          const second = await waitForOneLeader(members, 'the next leader after resign');
          assert.equal(second.id, 'resign-1', 'the next candidate in queue order takes over');
          assert.ok(second.backend.current().fencingToken > firstToken, 'fencing token increases');
          // The resigned member campaigns again, now at the back of the queue.
          await waitFor(() => first.backend.current().role === 'follower', {
            timeoutMs: 5000,
            what: 'the resigned member to rejoin behind the new leader',
          });
          assert.deepEqual(sampler.overlaps, [], 'never two acting leaders');
        } finally {
          sampler.stop();
        }
      },
    );
  });

  test('a withdrawn leader hands over, and campaigns again from the back once eligible', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        members = await start('eligible', 3);
        const first = await waitForOneLeader(members, 'the first leader');
        first.backend.setEligible(false);
        assert.equal(first.backend.current().isSelf, false, 'stops acting at once');
        const second = await waitForOneLeader(members, 'a leader after withdrawal');
        assert.equal(second.id, 'eligible-1');
        assert.equal(first.backend.current().role, 'withdrawn');
        await waitFor(
          () => !first.backend.members().some((m) => m.id === first.id && m.role !== 'withdrawn'),
          {
            timeoutMs: 5000,
            what: 'the withdrawn member to have no candidate key',
          },
        );
        first.backend.setEligible(true);
        await waitFor(() => first.backend.current().role === 'follower', {
          timeoutMs: 5000,
          what: 'the member to campaign again, behind the leader',
        });
        const third = await waitForOneLeader(members, 'the leader after rejoining');
        assert.equal(third.id, 'eligible-1', 'rejoining does not take leadership back');
      },
    );
  });

  test('members lists every candidate with its address and exactly one leader', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        members = await start('members', 3);
        const leader = await waitForOneLeader(members, 'a leader');
        const listed = await waitFor(
          () => {
            const list = members[2]?.backend.members() ?? [];
            return list.length === 3 ? list : false;
          },
          { timeoutMs: 5000, what: 'three listed members' },
        );
        assert.deepEqual(
          listed.map((member) => member.id),
          members.map((member) => member.id),
        );
        assert.deepEqual(
          listed.filter((member) => member.role === 'leader').map((member) => member.id),
          [leader.id],
        );
        assert.ok(listed.every((member) => member.address !== null && member.isReachable));
        assert.equal(actingLeaders(members).length, 1);
      },
    );
  });
});
