import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { seededRandom } from '../../src/core/random.js';
import type { LabFault } from '../../lab/netns.js';
import { holdsMembers, membershipAt, type MembershipAnswer } from '../../lab/membership.js';
import { waitFor } from '../../lab/wait-for.js';
import { assertLeadershipHeld } from '../../lab/faults/checker.js';
import { FaultMesh } from '../../lab/faults/mesh.js';
import { LeadershipRecorder } from '../../lab/faults/recorder.js';

// Issue 14, with real processes: rolling a new --members list through the members while the
// network splits the old list from the new one. The checker must see one acting leader at a
// time throughout, and every member must end on one leader and one configuration.

const ids = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `member-${index}`);
const seed = Number(process.env.ELECTOR_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(seed);

function membershipOf(mesh: FaultMesh, index: number): Promise<MembershipAnswer | null> {
  return membershipAt(mesh.member(index).url);
}

/** Every running member holds `members` as its configuration, and none sees a change due. */
async function waitForConfiguration(mesh: FaultMesh, members: readonly string[], what: string) {
  await waitFor(
    async () => {
      const running = mesh.members.filter((member) => member.child !== null);
      if (running.map((member) => member.id).join(',') !== members.join(',')) return false;
      const answers = await Promise.all(running.map((member) => membershipOf(mesh, member.index)));
      return answers.every((answer) => holdsMembers(answer, members));
    },
    { timeoutMs: 30_000, what: `${what} (seed ${seed})` },
  );
}

/** A rolling-update step: SIGTERM, then the same pod comes back with the new list. */
async function roll(mesh: FaultMesh, index: number, members: readonly string[]): Promise<void> {
  await mesh.kill(index, 'SIGTERM');
  mesh.startMember(index, members);
}

/** Cuts every link between the two groups, both ways, until healed. */
async function split(mesh: FaultMesh, left: readonly number[], right: readonly number[]) {
  const faults: LabFault[] = [];
  for (const index of left) {
    faults.push(await mesh.lab.block(index, right, { direction: 'both', forMs: 60_000 }));
  }
  return async () => {
    for (const fault of faults) await fault.heal();
  };
}

function recorderFor(mesh: FaultMesh): LeadershipRecorder {
  return new LeadershipRecorder({
    members: mesh.members.map((member) => ({ id: member.id, url: member.url })),
    heartbeatMs: mesh.heartbeatMs,
    electionTimeoutMs: mesh.electionTimeoutMs,
    seed,
  });
}

describe('rolling a new member list through a Raft mesh, with the network split mid-roll', () => {
  let mesh: FaultMesh;
  let recorder: LeadershipRecorder | null = null;

  after(async () => {
    await recorder?.stop();
    await mesh.stop();
  });

  test('3 -> 5 with the old-list members cut off from the rest mid-roll, then healed and finished; then 5 -> 3', async () => {
    mesh = await FaultMesh.start({ prefix: 'elxm', subnet: 92, size: 5, initialMembers: 3 });
    const active = recorderFor(mesh);
    recorder = active;
    await mesh.waitForAgreedLeader('three members to elect a leader');

    // The new pods start with the five-member list, then member-2 restarts with it...
    mesh.startMember(3, ids(5));
    mesh.startMember(4, ids(5));
    await roll(mesh, 2, ids(5));
    await waitFor(() => membershipOf(mesh, 2).then((answer) => answer !== null), {
      timeoutMs: 10_000,
      what: 'member-2 to answer with the new list',
    });
    // ...and at a random point of the change the members still on the old list are cut off.
    await delay(Math.floor(random() * 1000));
    active.mark('fault', 'split member-0,member-1 | member-2,member-3,member-4');
    const heal = await split(mesh, [0, 1], [2, 3, 4]);
    await delay(4 * mesh.electionTimeoutMs + Math.floor(random() * 4 * mesh.electionTimeoutMs));
    await heal();
    active.mark('heal', 'split healed');

    // The roll finishes in reverse ordinal order.
    await roll(mesh, 1, ids(5));
    await mesh.waitForAgreedLeader('a leader after member-1 restarted');
    await roll(mesh, 0, ids(5));
    await waitForConfiguration(mesh, ids(5), 'all five on the five-member configuration');
    await mesh.waitForAgreedLeader('one leader of five');

    // 5 -> 3: the pods scaled away stop first, then the others restart with the new list.
    await mesh.kill(4, 'SIGTERM');
    await mesh.kill(3, 'SIGTERM');
    for (const index of [2, 1, 0]) await roll(mesh, index, ids(3));
    await waitForConfiguration(mesh, ids(3), 'back on the three-member configuration');
    await mesh.waitForAgreedLeader('one leader of three');

    const history = await active.stop();
    recorder = null;
    assertLeadershipHeld(history, 'membership-3-5-3');
  });
});

describe('growing a one-member Raft mesh to three', () => {
  let mesh: FaultMesh;
  let recorder: LeadershipRecorder | null = null;

  after(async () => {
    await recorder?.stop();
    await mesh.stop();
  });

  test('1 -> 3: the empty new members never found a cluster of their own; all three end on one leader', async () => {
    mesh = await FaultMesh.start({ prefix: 'elxw', subnet: 93, size: 3, initialMembers: 1 });
    const active = recorderFor(mesh);
    recorder = active;
    await mesh.waitForAgreedLeader('the one member to lead');
    mesh.startMember(1, ids(3));
    mesh.startMember(2, ids(3));
    // Until member-0 restarts with the new list, the newcomers find the cluster and wait.
    await waitFor(
      async () => {
        const answers = await Promise.all([1, 2].map((index) => membershipOf(mesh, index)));
        return answers.every((answer) => answer?.configuration?.voters.join(',') === 'member-0');
      },
      { timeoutMs: 10_000, what: 'the newcomers to learn the one-member configuration' },
    );
    const leader = await mesh.waitForAgreedLeader('member-0 to lead still');
    assert.equal(leader.self, 'member-0');
    await roll(mesh, 0, ids(3));
    await waitForConfiguration(mesh, ids(3), 'all three on the three-member configuration');
    await mesh.waitForAgreedLeader('one leader of three');
    const history = await active.stop();
    recorder = null;
    assertLeadershipHeld(history, 'membership-1-3');
  });
});
