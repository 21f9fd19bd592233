import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '../../lab/wait-for.js';
import { assertLeadershipHeld } from '../../lab/faults/checker.js';
import { FaultMesh, type MeshOptions } from '../../lab/faults/mesh.js';
import { LeadershipRecorder } from '../../lab/faults/recorder.js';

// Real clocks jump: an NTP step, a VM restored from a snapshot, an operator's `date -s`. elector
// times leases, sessions and elections on the monotonic clock only, so jumping any member's wall
// clock by days, either way, must not move leadership at all: same leader, same fencing token,
// nobody else acting, on every backend.
const labs: readonly (Pick<MeshOptions, 'backend' | 'prefix' | 'subnet'> & { name: string })[] = [
  { name: 'raft', backend: 'raft', prefix: 'elxa', subnet: 88 },
  { name: 'etcd', backend: 'etcd', prefix: 'elxd', subnet: 89 },
  { name: 'zookeeper', backend: 'zookeeper', prefix: 'elxf', subnet: 90 },
  { name: 'kubernetes', backend: 'kubernetes', prefix: 'elxg', subnet: 91 },
];
const day = 24 * 3600 * 1000;
/** Each jump is held this many election timeouts (or leases): long enough for any timer to fire. */
const holdFor = 2;

/**
 * Proves the jump took effect inside the sidecar before the test relies on it: the process itself
 * reports its Date.now() `offsetMs` away from real time, and the leader's /leader also shows its
 * lease end on its own wall clock that far from ours (the lease itself is a few seconds at most).
 */
async function assertWallClockOff(
  mesh: FaultMesh,
  index: number,
  offsetMs: number,
  isLeader: boolean,
): Promise<void> {
  const id = mesh.member(index).id;
  await waitFor(
    () => {
      const seen = mesh.wallClockOffsetSeen(index);
      return seen !== null && Math.abs(seen - offsetMs) < 1000;
    },
    { timeoutMs: 5000, what: `${id} to report its wall clock ${offsetMs} ms off` },
  );
  if (!isLeader) return;
  await waitFor(
    async () => {
      const answer = await mesh.leaderAnswer(index);
      if (answer?.leaseExpiresAt === null || answer?.leaseExpiresAt === undefined) return false;
      return Math.abs(Date.parse(answer.leaseExpiresAt) - Date.now() - offsetMs) < 60_000;
    },
    { timeoutMs: 5000, what: `${id}'s lease end to show its wall clock ${offsetMs} ms off` },
  );
}

for (const lab of labs) {
  describe(`${lab.name}: wall-clock jumps of days, forward and back, on the leader and a follower`, () => {
    let mesh: FaultMesh;
    let recorder: LeadershipRecorder;

    before(async () => {
      mesh = await FaultMesh.start({
        ...lab,
        size: 3,
        controlWallClocks: true,
        ...(lab.backend === 'raft' ? {} : { electionTimeoutMs: 1000 }),
      });
      recorder = new LeadershipRecorder({
        members: mesh.members.map((member) => ({ id: member.id, url: member.url })),
        heartbeatMs: mesh.heartbeatMs,
        electionTimeoutMs: mesh.electionTimeoutMs,
        backend: mesh.backend,
      });
    });

    after(async () => {
      await recorder.stop();
      await mesh.stop();
    });

    test('leave the leader and its fencing token as they were', async () => {
      const leader = await mesh.waitForAgreedLeader('a first leader', 30_000);
      const leaderIndex = mesh.indexOf(leader.self);
      const follower = (leaderIndex + 1) % mesh.members.length;
      try {
        for (const [index, offsetMs] of [
          [leaderIndex, 3 * day],
          [leaderIndex, -3 * day],
          [follower, -day],
          [follower, day],
        ] as const) {
          mesh.jumpWallClock(index, offsetMs);
          recorder.mark('fault', `wall clock of ${mesh.member(index).id} jumps ${offsetMs} ms`);
          await assertWallClockOff(mesh, index, offsetMs, index === leaderIndex);
          // Holding the jump for a while is the test: nothing may happen meanwhile.
          await delay(holdFor * mesh.electionTimeoutMs);
          const now = await mesh.waitForAgreedLeader(`agreement after the jump`, 10_000);
          assert.deepEqual(
            [now.self, now.fencingToken],
            [leader.self, leader.fencingToken],
            `leadership moved after ${mesh.member(index).id}'s wall clock jumped ${offsetMs} ms`,
          );
        }
      } catch (error) {
        throw new Error(`${String(error)}\n${mesh.logs()}`, { cause: error });
      } finally {
        for (const member of mesh.members) mesh.jumpWallClock(member.index, 0);
      }
      const history = await recorder.stop();
      const verdict = assertLeadershipHeld(history, `${lab.name}-wall-clock`);
      assert.equal(verdict.intervals.length, 1, 'one leader with one token throughout');
    });
  });
}
