// `elector resign --to <id>` on the built CLI against a running Raft mesh: it hands leadership to
// exactly the member named; an unknown target or a follower's sidecar is refused with the
// reason, and the leader keeps leading with the same fencing token.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startChild } from '../../lab/child.js';
import { cliPath, SidecarCluster } from '../../lab/sidecar-cluster.js';

async function runCli(args: readonly string[]): Promise<{ code: number | string; output: string }> {
  const child = startChild(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '' },
  });
  const code = await child.exited;
  return { code, output: child.output() };
}

describe('elector resign --to on a Raft mesh', async () => {
  const cluster = await SidecarCluster.start({ size: 3 });
  after(() => cluster.stop());
  const urlOf = (id: string): string => `http://127.0.0.1:${cluster.member(id).httpPort}`;

  test('hands leadership to exactly the member named, each time, with a higher token', async () => {
    let leader = await cluster.waitForAgreedLeader('a first leader');
    // Twice, so the target is each time one of two followers, chosen by name.
    for (let round = 0; round < 2; round++) {
      const followers = cluster.members.filter((member) => member.id !== leader.self);
      const target = followers.at(round % followers.length);
      assert.ok(target);
      const { code, output } = await runCli([
        'resign',
        '--to',
        target.id,
        '--url',
        urlOf(leader.self),
      ]);
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`handed over to ${target.id}`));
      const next = await cluster.waitForAgreedLeader(`${target.id} to lead`, 30_000, [leader.self]);
      assert.equal(next.self, target.id, cluster.logs());
      assert.ok((next.fencingToken ?? 0) > (leader.fencingToken ?? 0), 'a higher fencing token');
      leader = next;
    }
  });

  test('an unknown target, the leader itself, or a follower sidecar is refused; the leader keeps leading', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    for (const to of ['no-such-member', leader.self]) {
      const { code, output } = await runCli(['resign', '--to', to, '--url', urlOf(leader.self)]);
      assert.equal(code, 1, output);
      assert.match(output, /refused: TRANSFER_FAILED: .*is not another voting member/);
    }
    const follower = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(follower);
    const { code, output } = await runCli([
      'resign',
      '--to',
      leader.self,
      '--url',
      urlOf(follower.id),
    ]);
    assert.equal(code, 1, output);
    assert.match(output, /refused: NOT_LEADER/);
    const still = await cluster.waitForAgreedLeader('the same leader');
    assert.equal(still.self, leader.self);
    assert.equal(still.fencingToken, leader.fencingToken, 'the same fencing token');
  });

  test('an empty --to is a usage error (exit 2), and nothing is asked', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const { code, output } = await runCli(['resign', '--to', '', '--url', urlOf(leader.self)]);
    assert.equal(code, 2, output);
    assert.match(output, /--to: expected a member id/);
    const still = await cluster.waitForAgreedLeader('the same leader');
    assert.equal(still.fencingToken, leader.fencingToken);
  });
});
