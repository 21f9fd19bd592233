// The ZooKeeper backend against a real standalone ZooKeeper 3.8: who leads, fencing tokens,
// handover by resign and by eligibility, and the herd-free watch pattern.
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
  watchForSplitBrain,
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

  async function startMembers(
    count: number,
    refreshIntervalMs?: number,
  ): Promise<{ members: Member[]; parent: string }> {
    elections += 1;
    const parent = `/elector/leadership-${elections}`;
    const members = Array.from({ length: count }, (_unused, index) =>
      createMember({
        id: `m${index + 1}`,
        connectString: cluster.connectString,
        electionName: parent,
        sessionTimeoutMs,
        ...(refreshIntervalMs === undefined ? {} : { refreshIntervalMs }),
      }),
    );
    everyone.push(...members);
    // Started one after another, so the queue order is m1, m2, ...
    for (const member of members) await member.start();
    return { members, parent };
  }

  const explain = (members: () => readonly Member[], body: () => Promise<void>): Promise<void> =>
    explainFailure({ members, serverLog: () => cluster.logTail(20) }, body);

  test('exactly one of three candidates leads, and its fencing token is its znode czxid', async () => {
    const { members, parent } = await startMembers(3);
    await explain(
      () => members,
      async () => {
        const monitor = watchForSplitBrain(() => members);
        const leader = await waitForOneLeader(members);
        const znodes = await listCandidateZnodes(inspector, parent);
        assert.equal(znodes.length, 3);
        assert.equal(leader.id, znodes[0]?.memberId, 'the lowest sequence leads');
        const state = leader.backend.current();
        assert.equal(state.fencingToken, znodes[0]?.czxid);
        assert.equal(state.term, state.fencingToken);
        assert.ok(state.leaseExpiresAt !== null && state.leaseExpiresAt > systemClock.now());
        assert.ok(state.leaseExpiresAt <= systemClock.now() + sessionTimeoutMs / 2);
        for (const member of members) {
          const seen = member.backend.current();
          assert.equal(seen.fencingToken, znodes[0]?.czxid, `${member.id} sees the token`);
          assert.equal(seen.leaderAddress, state.leaderAddress);
          assert.equal(member.backend.isReady(), true);
        }
        const follower = members.find((member) => member !== leader);
        assert.equal(follower?.backend.current().leaseExpiresAt, null);
        await waitFor(() => members.every((member) => member.backend.members().length === 3), {
          timeoutMs: 5000,
          what: 'every member to list all three candidates',
        });
        const roles = leader.backend
          .members()
          .map((status) => `${status.id}:${status.role}`)
          .sort();
        assert.deepEqual(roles, [`${leader.id}:leader`, ...others(members, leader)].sort());
        assert.deepEqual(monitor.stop(), []);
      },
    );
  });

  test('with twenty candidates one leads, and each failover wakes exactly one watcher', async (t) => {
    const { members, parent } = await startMembers(20);
    let alive = [...members];
    await explain(
      () => alive,
      async () => {
        const monitor = watchForSplitBrain(() => alive);
        let leader = await waitForOneLeader(alive);
        let token = leader.backend.current().fencingToken;
        const perFailover: number[] = [];
        const leaderNotices: number[] = [];
        const handovers: number[] = [];
        for (let round = 0; round < 3; round += 1) {
          const stopping = leader;
          alive = alive.filter((member) => member !== stopping);
          const before = sum(alive.map((member) => member.watchEvents));
          const noticesBefore = sum(alive.map((member) => member.leaderWatchEvents));
          const stoppedAt = systemClock.now();
          await stopping.stop();
          const next = await waitForOneLeader(alive);
          const tookOver = next.transitions.find((entry) => entry.state.isSelf)?.at ?? Number.NaN;
          handovers.push(Math.round(tookOver - stoppedAt));
          const znodes = await listCandidateZnodes(inspector, parent);
          assert.equal(next.id, znodes[0]?.memberId, 'the next in the queue takes over');
          const nextToken = next.backend.current().fencingToken;
          assert.ok(nextToken > token, `token ${nextToken} must exceed ${token}`);
          perFailover.push(sum(alive.map((member) => member.watchEvents)) - before);
          const notices = sum(alive.map((member) => member.leaderWatchEvents)) - noticesBefore;
          // Those behind the successor may hear the leader go, once each, and are not woken.
          assert.ok(notices <= alive.length - 1, `${notices} leader notices`);
          leaderNotices.push(notices);
          leader = next;
          token = nextToken;
        }
        assert.deepEqual(perFailover, [1, 1, 1], 'watch events per failover among 19..17 members');
        t.diagnostic(`graceful handovers (session closed): ${handovers.join(', ')} ms`);
        t.diagnostic(`leader notices per failover: ${leaderNotices.join(', ')}`);
        assert.deepEqual(monitor.stop(), []);
      },
    );
  });

  test('members behind the successor learn the new leader from a watch, not from their periodic re-read', async (t) => {
    // A re-read interval far beyond every deadline below: only a watch can tell them in time.
    const { members } = await startMembers(4, 600_000);
    await explain(
      () => members,
      async () => {
        const leader = await waitForOneLeader(members);
        assert.equal(leader.id, 'm1');
        const survivors = members.filter((member) => member !== leader);
        // m3 and m4 place their leader watch on their first pass; wait until it is in place.
        await waitFor(
          () =>
            survivors
              .slice(1)
              .every((member) =>
                member.logs.some((line) => line.includes('"event":"leader.watched"')),
              ),
          { timeoutMs: 5000, what: 'm3 and m4 to watch the leader' },
        );
        const stoppedAt = systemClock.now();
        await leader.stop();
        const next = await waitForOneLeader(survivors, 5000);
        t.diagnostic(
          `all three agree on ${next.id} ${Math.round(systemClock.now() - stoppedAt)} ms after the leader's session closed`,
        );
        assert.equal(next.id, 'm2');
        assert.deepEqual(
          survivors.map((member) => [member.watchEvents, member.leaderWatchEvents]),
          [
            [1, 0],
            [0, 1],
            [0, 1],
          ],
          'the successor was woken to campaign, the two behind it only heard the leader go',
        );
      },
    );
  });

  test('a resigning leader stops acting at once, hands over, and rejoins at the back', async (t) => {
    const { members, parent } = await startMembers(3);
    await explain(
      () => members,
      async () => {
        const monitor = watchForSplitBrain(() => members);
        const leader = await waitForOneLeader(members);
        const token = leader.backend.current().fencingToken;
        const startedAt = systemClock.now();
        await leader.backend.resign(AbortSignal.timeout(5000));
        assert.equal(leader.backend.current().isSelf, false, 'not acting once resign resolves');
        const next = await waitForOneLeader(members);
        const tookOver = next.transitions.find((entry) => entry.state.isSelf)?.at ?? Number.NaN;
        const handoverMs = tookOver - startedAt;
        assert.notEqual(next.id, leader.id);
        assert.ok(next.backend.current().fencingToken > token);
        assert.ok(handoverMs < sessionTimeoutMs, `handover took ${handoverMs} ms`);
        t.diagnostic(`resign handover: ${handoverMs.toFixed(1)} ms`);
        await waitFor(
          async () => (await listCandidateZnodes(inspector, parent)).at(-1)?.memberId === leader.id,
          { timeoutMs: 5000, what: `${leader.id} to rejoin at the back of the queue` },
        );
        assert.equal(leader.backend.current().role, 'follower');
        assert.deepEqual(monitor.stop(), []);
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

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function others(members: readonly Member[], leader: Member): string[] {
  return members.filter((member) => member !== leader).map((member) => `${member.id}:follower`);
}
