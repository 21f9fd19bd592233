import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  createMember,
  LeaderSampler,
  startMembers,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
} from './harness.js';

let etcd: EtcdCluster | undefined;
let members: Member[] = [];
let sampler: LeaderSampler | undefined;

afterEach(async () => {
  sampler?.stop();
  await stopMembers(members);
  members = [];
  await etcd?.stop();
  etcd = undefined;
});

test('the election keeps exactly one leader when the etcd Raft leader of a 3-member cluster is killed', async (t) => {
  const cluster = await startEtcd({ members: 3, heartbeatMs: 50, electionTimeoutMs: 500 });
  etcd = cluster;
  await withLogs(
    cluster,
    () => members,
    async () => {
      // Every member knows all three endpoints; a 3 s lease outlasts etcd's own re-election.
      members = await startMembers(cluster.endpoints, 'cluster', 3, { leaseTtlSeconds: 3 });
      const activeSampler = new LeaderSampler(() => members);
      sampler = activeSampler;
      const before = await waitForOneLeader(members, 'a leader before the etcd failure');

      const raftLeader = await cluster.raftLeader();
      await raftLeader.kill();
      const afterKill = await waitForOneLeader(
        members,
        'one leader after the etcd Raft leader died',
        15_000,
      );
      t.diagnostic(
        `killed etcd Raft leader ${raftLeader.name}; leader ${before.id} -> ${afterKill.id}; longest stretch without an acting leader: ${Math.round(activeSampler.longestGapMs)} ms`,
      );
      assert.ok(afterKill.backend.current().fencingToken >= before.backend.current().fencingToken);

      // The surviving two etcd members still run the election: a handover works.
      const token = afterKill.backend.current().fencingToken;
      await afterKill.backend.resign(AbortSignal.timeout(5000));
      const next = await waitForOneLeader(
        members,
        'a leader after a resign on the degraded cluster',
        15_000,
      );
      assert.notEqual(next.id, afterKill.id);
      assert.ok(next.backend.current().fencingToken > token);
      assert.deepEqual(activeSampler.overlaps, [], 'never two acting leaders');
    },
  );
});

test('when the only etcd member the leader talks to dies, another candidate takes over and the old leader rejoins behind it', async (t) => {
  const cluster = await startEtcd({ members: 3, heartbeatMs: 50, electionTimeoutMs: 500 });
  etcd = cluster;
  await withLogs(
    cluster,
    () => members,
    async () => {
      const raftLeader = await cluster.raftLeader();
      // The first candidate reaches etcd only through the Raft leader; the others know every member.
      const pinned = createMember([raftLeader.endpoint], 'pinned', 'pinned-0', {
        leaseTtlSeconds: 2,
      });
      members = [pinned];
      await pinned.start();
      for (const id of ['pinned-1', 'pinned-2']) {
        const member = createMember(cluster.endpoints, 'pinned', id, { leaseTtlSeconds: 2 });
        members.push(member);
        await member.start();
      }
      const activeSampler = new LeaderSampler(() => members);
      sampler = activeSampler;
      const first = await waitForOneLeader(members, 'the pinned candidate to lead');
      assert.equal(first.id, 'pinned-0');
      const firstToken = first.backend.current().fencingToken;

      await raftLeader.kill();
      await waitFor(() => !pinned.backend.current().isSelf, {
        timeoutMs: 3000,
        what: 'the cut-off leader to stop acting',
      });
      const successor = await waitFor(
        () => members.slice(1).find((member) => member.backend.current().isSelf),
        { timeoutMs: 15_000, what: 'a candidate with a live etcd member to take over' },
      );
      t.diagnostic(
        `leader cut off with etcd member ${raftLeader.name}; ${successor.id} took over; longest stretch without an acting leader: ${Math.round(activeSampler.longestGapMs)} ms`,
      );
      assert.ok(successor.backend.current().fencingToken > firstToken);

      await raftLeader.restart();
      await cluster.waitHealthy();
      await waitFor(() => pinned.backend.current().role === 'follower', {
        timeoutMs: 15_000,
        what: 'the former leader to re-campaign behind the successor once its etcd member is back',
      });
      const settled = await waitForOneLeader(
        members,
        'one leader after the member returns',
        15_000,
      );
      assert.equal(settled.id, successor.id, 'the former leader does not assume it still leads');
      assert.deepEqual(activeSampler.overlaps, [], 'never two acting leaders');
    },
  );
});
