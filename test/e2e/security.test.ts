import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { metricValue, SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

async function sendBytes(port: number, chunks: readonly Buffer[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      // Read (and discard) the member's hello, or the socket never sees the member close it.
      socket.resume();
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
    socket.on('error', () => {
      resolve();
    });
    socket.on('close', () => {
      resolve();
    });
  });
}

describe('peer authentication and hostile input', async () => {
  // A lease of 2 s, not the default 500 ms: a busy machine's scheduling delays then cannot cost
  // the leader its term, so a term that moves can only be the intruder's doing.
  const cluster = await SidecarCluster.start({
    size: 3,
    heartbeat: '200ms',
    electionTimeout: '2s',
  });
  after(() => cluster.stop());

  test('a member with the wrong cluster secret never leads and never disturbs the leader', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const intruder = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(intruder !== undefined);
    await cluster.stopMember(intruder.id, 'SIGKILL');
    const wrongSecret = join(cluster.directory, 'wrong-secret');
    writeFileSync(wrongSecret, randomBytes(24).toString('hex'));
    intruder.extraEnv = { ELECTOR_CLUSTER_SECRET_FILE: wrongSecret };
    cluster.startMember(intruder.id);
    // The intruder times out, campaigns and keeps trying; the others must drop all of it.
    await waitFor(
      async () =>
        metricValue(
          await cluster.metrics(leader.self),
          'elector_peer_messages_dropped_total',
          'reason="unauthenticated"',
        ) > 0,
      {
        timeoutMs: 30_000,
        what: 'the leader to count unauthenticated input from the intruder',
      },
    );
    // Refused by every peer, the intruder hears of no leader, so it campaigns again and again:
    // its elections time out, and none may be won.
    const intruderView = await waitFor(
      async () => {
        const answer = await cluster.leaderAnswer(intruder.id);
        const metrics = await cluster.metrics(intruder.id);
        const timedOut = metricValue(metrics, 'elector_elections_total', 'result="timed-out"');
        const won = metricValue(metrics, 'elector_elections_total', 'result="won"');
        return answer !== null && timedOut > 0 ? { answer, won } : undefined;
      },
      { timeoutMs: 30_000, what: 'the intruder to campaign and time out at least once' },
    );
    assert.equal(intruderView.answer.isSelf, false, 'the intruder does not act');
    assert.equal(intruderView.answer.id, null, 'the intruder never heard of the leader');
    assert.equal(intruderView.won, 0, 'the intruder never won an election');
    const stillLeader = await cluster.leaderAnswer(leader.self);
    assert.equal(stillLeader?.isSelf, true);
    assert.equal(
      stillLeader.fencingToken,
      leader.fencingToken,
      'the intruder did not raise the term',
    );
    intruder.extraEnv = {};
    await cluster.stopMember(intruder.id, 'SIGKILL');
    cluster.startMember(intruder.id);
  });

  test('random bytes and forged frames on the peer port are counted and change nothing', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const target = cluster.member(leader.self);
    const before = metricValue(
      await cluster.metrics(target.id),
      'elector_peer_messages_dropped_total',
    );
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff);
    const garbage = [
      ...Array.from({ length: 20 }, (_, attempt) => [randomBytes(64 + attempt * 37)]),
      [header, randomBytes(100)],
      [
        Buffer.from(
          '{"type":"heartbeat","from":"member-1","to":"member-0","term":999999,"sentAt":1}\n',
        ),
      ],
    ];
    // All at once: the member closes each connection when its handshake fails or times out.
    await Promise.all(garbage.map((chunks) => sendBytes(target.peerPort, chunks)));
    await waitFor(
      async () =>
        metricValue(await cluster.metrics(target.id), 'elector_peer_messages_dropped_total') >
        before,
      {
        timeoutMs: 5000,
        what: 'dropped peer input to be counted',
      },
    );
    const after = await cluster.waitForAgreedLeader('the same leader after the garbage');
    assert.equal(after.self, leader.self);
    assert.equal(after.fencingToken, leader.fencingToken);
  });
});
