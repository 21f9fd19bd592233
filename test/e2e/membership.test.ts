import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { checkHistory } from '../../lab/faults/checker.js';
import { LeadershipRecorder } from '../../lab/faults/recorder.js';
import { holdsMembers, membershipAt } from '../../lab/membership.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

const ids = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `member-${index}`);

/** Waits until every member of `members` holds `members` as its configuration, committed at the leader. */
async function waitForConfiguration(
  cluster: SidecarCluster,
  members: readonly string[],
  what: string,
): Promise<void> {
  await waitFor(
    async () => {
      const answers = await Promise.all(
        members.map((id) => membershipAt(`http://127.0.0.1:${cluster.member(id).httpPort}`)),
      );
      return answers.every((answer) => holdsMembers(answer, members));
    },
    { timeoutMs: 30_000, what },
  );
}

/** Restarts a member (SIGTERM, as a rolling update does) with a new `--members` list. */
async function roll(
  cluster: SidecarCluster,
  id: string,
  members: readonly string[],
): Promise<void> {
  await cluster.stopMember(id, 'SIGTERM');
  cluster.startMember(id, [], members);
}

describe('changing the Raft member set by restarting members with a new --members list', () => {
  let cluster: SidecarCluster;
  let recorder: LeadershipRecorder;

  after(async () => {
    await recorder.stop();
    await cluster.stop();
  });

  test('1 -> 3 -> 5 -> 3, rolled as a StatefulSet rolls: never two leaders acting, and every member ends on the new list', async () => {
    cluster = await SidecarCluster.start({ size: 1, pool: 5 });
    recorder = new LeadershipRecorder({
      members: cluster.members.map((member) => ({
        id: member.id,
        url: `http://127.0.0.1:${member.httpPort}`,
      })),
      heartbeatMs: 100,
      electionTimeoutMs: 500,
    });
    await cluster.waitForAgreedLeader('the single member to lead');
    await waitForConfiguration(cluster, ids(1), 'one member founded');

    // 1 -> 3: the new pods start with the new list, then the old pod restarts with it.
    for (const id of ['member-1', 'member-2']) cluster.startMember(id, [], ids(3));
    await roll(cluster, 'member-0', ids(3));
    await waitForConfiguration(cluster, ids(3), 'three members');
    await cluster.waitForAgreedLeader('one leader of three');

    // 3 -> 5, in reverse ordinal order.
    for (const id of ['member-3', 'member-4']) cluster.startMember(id, [], ids(5));
    for (const id of ['member-2', 'member-1', 'member-0']) {
      await roll(cluster, id, ids(5));
      await cluster.waitForAgreedLeader(`a leader after ${id} restarted`);
    }
    await waitForConfiguration(cluster, ids(5), 'five members');

    // 5 -> 3: the pods scaled away stop first, then the rest restart with the new list.
    await cluster.stopMember('member-4', 'SIGTERM');
    await cluster.stopMember('member-3', 'SIGTERM');
    for (const id of ['member-2', 'member-1', 'member-0']) await roll(cluster, id, ids(3));
    await waitForConfiguration(cluster, ids(3), 'back to three members');
    await cluster.waitForAgreedLeader('one leader of three at the end');

    const history = await recorder.stop();
    const verdict = checkHistory(history);
    assert.ok(verdict.ok, `${verdict.violations.join('\n')}\n${cluster.logs()}`);
  });
});
