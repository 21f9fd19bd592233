// The ZooKeeper backend's own layout against a real standalone ZooKeeper 3.8: the queue is the
// candidate znodes by sequence, the fencing token is the leader znode's czxid, and a member that
// is not eligible holds no znode. Leading, handing over and the herd-free watches are checked on
// every backend by the contract suite (test/integration/contract).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'node-zookeeper-client';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';
import {
  connectInspector,
  createMember,
  explainFailure,
  listCandidateZnodes,
  waitForOneLeader,
  type Member,
} from './harness.js';

const sessionTimeoutMs = 2000;

describe('zookeeper backend: leadership', () => {
  let cluster: ZooKeeperCluster;
  let inspector: Client;
  const everyone: Member[] = [];
  let elections = 0;

  before(async () => {
    cluster = await startZooKeeper({ tickTimeMs: 200 });
    inspector = await connectInspector(cluster.connectString);
  });

  after(async () => {
    await Promise.all(everyone.map((member) => member.stop()));
    inspector.close();
    await cluster.stop();
  });

  async function startMembers(count: number): Promise<{ members: Member[]; parent: string }> {
    elections += 1;
    const parent = `/elector/leadership-${elections}`;
    const members = Array.from({ length: count }, (_unused, index) =>
      createMember({
        id: `m${index + 1}`,
        connectString: cluster.connectString,
        electionName: parent,
        sessionTimeoutMs,
      }),
    );
    everyone.push(...members);
    // Started one after another, so the queue order is m1, m2, ...
    for (const member of members) await member.start();
    return { members, parent };
  }

  const explain = (members: () => readonly Member[], body: () => Promise<void>): Promise<void> =>
    explainFailure({ members, serverLog: () => cluster.logTail(20) }, body);

  test('the member with the lowest sequence leads, and every member reports its znode czxid as the token', async () => {
    const { members, parent } = await startMembers(3);
    await explain(
      () => members,
      async () => {
        const leader = await waitForOneLeader(members);
        const znodes = await listCandidateZnodes(inspector, parent);
        assert.equal(znodes.length, 3);
        assert.equal(leader.id, znodes[0]?.memberId, 'the lowest sequence leads');
        const state = leader.backend.current();
        assert.equal(state.fencingToken, znodes[0]?.czxid);
        assert.equal(state.term, state.fencingToken, 'ZooKeeper has no term: the token stands in');
        // The leader acts for at most half a session past its last contact with the server.
        assert.ok(state.leaseExpiresAt !== null && state.leaseExpiresAt > systemClock.now());
        assert.ok(state.leaseExpiresAt <= systemClock.now() + sessionTimeoutMs / 2);
        for (const member of members) {
          assert.equal(
            member.backend.current().fencingToken,
            znodes[0]?.czxid,
            `${member.id} sees the token`,
          );
        }
      },
    );
  });

  test('an ineligible leader withdraws its znode and campaigns again once eligible', async () => {
    const { members, parent } = await startMembers(2);
    await explain(
      () => members,
      async () => {
        const leader = await waitForOneLeader(members);
        leader.backend.setEligible(false);
        assert.equal(leader.backend.current().isSelf, false, 'stops acting synchronously');
        assert.equal(leader.backend.current().role, 'withdrawn');
        const next = await waitForOneLeader(members);
        assert.notEqual(next.id, leader.id);
        const ids = (await listCandidateZnodes(inspector, parent)).map((znode) => znode.memberId);
        assert.deepEqual(ids, [next.id]);
        leader.backend.setEligible(true);
        const queued = async (): Promise<string> =>
          (await listCandidateZnodes(inspector, parent)).map((znode) => znode.memberId).join();
        await waitFor(async () => (await queued()) === `${next.id},${leader.id}`, {
          timeoutMs: 5000,
          what: `the queue to read ${next.id},${leader.id}`,
        });
        await waitForOneLeader(members).then((again) => {
          assert.equal(again.id, next.id, 'rejoining does not depose the new leader');
        });
      },
    );
  });
});
