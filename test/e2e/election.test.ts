import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { FileStateStore } from '../../src/backends/raft/storage/file-state-store.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';

describe('a 3-member Raft mesh of real sidecar processes', async () => {
  const cluster = await SidecarCluster.start({ size: 3 });
  after(() => cluster.stop());

  test('elects exactly one acting leader that every member names', async () => {
    const leader = await cluster.waitForAgreedLeader('one leader among 3');
    assert.ok(leader.fencingToken !== null && leader.fencingToken >= 1);
    const roles = await Promise.all(
      cluster.members.map(
        async (member) => (await fetch(`http://127.0.0.1:${member.httpPort}/role/leader`)).status,
      ),
    );
    assert.deepEqual(roles.filter((status) => status === 200).length, 1);
  });

  test('kill -9 of the leader: another member leads with a higher fencing token', async () => {
    const before = await cluster.waitForAgreedLeader('a leader before the crash');
    await cluster.stopMember(before.self, 'SIGKILL');
    const after = await cluster.waitForAgreedLeader('a new leader after kill -9', 30_000, [
      before.self,
    ]);
    assert.notEqual(after.self, before.self);
    assert.ok((after.fencingToken ?? 0) > (before.fencingToken ?? 0));
    cluster.startMember(before.self);
  });

  test('SIGTERM of the leader hands over through a transfer, and the old leader exits 0', async () => {
    const before = await cluster.waitForAgreedLeader('all three back with a leader');
    const child = cluster.member(before.self).child;
    assert.ok(child !== null);
    const exitCode = await cluster.stopMember(before.self, 'SIGTERM');
    assert.equal(exitCode, 0);
    assert.match(child.output(), /"event":"transfer.started"/);
    const after = await cluster.waitForAgreedLeader('a leader after SIGTERM', 30_000, [
      before.self,
    ]);
    assert.equal(
      after.fencingToken,
      (before.fencingToken ?? 0) + 1,
      'the target won the very next term',
    );
    cluster.startMember(before.self);
  });

  test('a restarted member keeps its term from the state file', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader before the restart');
    const follower = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(follower !== undefined);
    await cluster.stopMember(follower.id, 'SIGKILL');
    const saved = await new FileStateStore(follower.stateDir).load();
    assert.ok(saved.term >= (leader.fencingToken ?? 0) - 1);
    cluster.startMember(follower.id);
    const again = await cluster.waitForAgreedLeader('the restarted follower rejoins');
    assert.equal(again.self, leader.self, 'a returning follower does not disturb the leader');
    assert.equal(again.fencingToken, leader.fencingToken);
  });
});

describe('a 5-member Raft mesh', async () => {
  const cluster = await SidecarCluster.start({ size: 5 });
  after(() => cluster.stop());

  test('elects one leader and survives losing two members', async () => {
    const first = await cluster.waitForAgreedLeader('one leader among 5');
    const follower = cluster.members.find((member) => member.id !== first.self);
    assert.ok(follower !== undefined);
    await cluster.stopMember(follower.id, 'SIGKILL');
    await cluster.stopMember(first.self, 'SIGKILL');
    const next = await cluster.waitForAgreedLeader('a leader among the 3 left', 30_000, [
      first.self,
    ]);
    assert.ok((next.fencingToken ?? 0) > (first.fencingToken ?? 0));
  });
});
