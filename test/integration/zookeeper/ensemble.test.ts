// The ZooKeeper backend against a real 3-server ZooKeeper 3.8 ensemble that loses a server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';
import {
  createMember,
  explainFailure,
  waitForOneLeader,
  watchForSplitBrain,
  type Member,
} from './harness.js';

describe('zookeeper backend: a 3-server ensemble', () => {
  let cluster: ZooKeeperCluster;
  const members: Member[] = [];

  before(async () => {
    cluster = await startZooKeeper({ size: 3, tickTimeMs: 200 });
  });

  after(async () => {
    await Promise.all(members.map((member) => member.stop()));
    await cluster.stop();
  });

  test('killing the ensemble leader pauses the elected leader, which resumes alone in the same session', async (t) => {
    for (const id of ['e1', 'e2', 'e3']) {
      const member = createMember({
        id,
        connectString: cluster.connectString,
        electionName: '/elector/ensemble',
        // 20·tickTime, the most the servers grant: the sessions must outlive the re-election.
        sessionTimeoutMs: 4000,
      });
      members.push(member);
      await member.start();
    }
    await explainFailure(
      { members: () => members, serverLog: () => cluster.logTail(30) },
      async () => {
        const monitor = watchForSplitBrain(() => members);
        const leader = await waitForOneLeader(members);
        const token = leader.backend.current().fencingToken;
        const modes = await Promise.all(
          cluster.servers.map(async (server) => ({
            server,
            mode: /^Mode: (\w+)/m.exec(await server.fourLetterWord('srvr'))?.[1],
          })),
        );
        const ensembleLeader = modes.find((entry) => entry.mode === 'leader')?.server;
        assert.ok(
          ensembleLeader !== undefined,
          `one server leads: ${JSON.stringify(modes.map((entry) => entry.mode))}`,
        );
        const seenBefore = leader.transitions.length;
        const killedAt = systemClock.now();
        await ensembleLeader.kill('SIGKILL');

        // Followers that lose the ensemble leader drop their clients: every session is suspended.
        await waitFor(
          () => leader.transitions.slice(seenBefore).some((entry) => !entry.state.isSelf),
          {
            timeoutMs: 10_000,
            what: `${leader.id} to stop acting when its connection drops`,
          },
        );
        const again = await waitForOneLeader(members, 20_000);
        const recoveredMs = Math.round(systemClock.now() - killedAt);
        assert.equal(again.id, leader.id, 'the session survived, so the same member leads');
        assert.equal(again.backend.current().fencingToken, token, 'with the same znode and token');
        const during = leader.transitions.slice(seenBefore).map((entry) => entry.state);
        assert.ok(
          during.some((state) => !state.isSelf),
          `the leader stopped acting while disconnected: ${JSON.stringify(during.map((state) => state.role))}`,
        );
        assert.deepEqual(monitor.stop(), [], 'never two acting leaders');
        await waitFor(() => members.every((member) => member.backend.isReady()), {
          timeoutMs: 10_000,
          what: 'every member to be connected again',
        });
        t.diagnostic(
          `one acting leader again ${recoveredMs} ms after the ensemble leader was killed`,
        );
      },
    );
  });
});
