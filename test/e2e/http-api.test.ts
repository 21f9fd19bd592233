import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { metricValue, SidecarCluster, type LeaderAnswer } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

describe('the HTTP API of a running mesh', async () => {
  const cluster = await SidecarCluster.start({ size: 3 });
  for (const member of cluster.members)
    member.extraEnv = { ELECTOR_LEADER_FILE: join(cluster.directory, `${member.id}.leader.json`) };
  for (const member of cluster.members) {
    await cluster.stopMember(member.id, 'SIGKILL');
    cluster.startMember(member.id);
  }
  after(() => cluster.stop());
  const url = (id: string, path: string): string =>
    `http://127.0.0.1:${cluster.member(id).httpPort}${path}`;

  test('GET /leader names the leader, its address, fencing token and lease; the token is also a header', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const follower = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(follower !== undefined);
    const response = await fetch(url(follower.id, '/leader'));
    const body = (await response.json()) as LeaderAnswer;
    assert.equal(body.id, leader.self);
    assert.equal(body.address, `127.0.0.1:${cluster.member(leader.self).httpPort}`);
    assert.equal(body.backend, 'raft');
    assert.equal(body.election, 'e2e');
    assert.equal(response.headers.get('elector-fencing-token'), String(leader.fencingToken));
    assert.ok(
      leader.leaseExpiresAt !== null && Date.parse(leader.leaseExpiresAt) > Date.now() - 1000,
    );
  });

  test('/role/leader is 200 only on the leader; /healthz and /readyz answer', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    for (const member of cluster.members) {
      const role = await fetch(url(member.id, '/role/leader'));
      assert.equal(role.status, member.id === leader.self ? 200 : 503);
      assert.equal((await fetch(url(member.id, '/healthz'))).status, 200);
      assert.equal((await fetch(url(member.id, '/readyz'))).status, 200);
    }
  });

  test('/cluster/status lists every member with role and reachability', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const status = (await (await fetch(url(leader.self, '/cluster/status'))).json()) as {
      members: { id: string; role: string; isReachable: boolean }[];
    };
    assert.deepEqual(
      status.members.map((member) => member.id).sort(),
      cluster.members.map((member) => member.id).sort(),
    );
    assert.ok(status.members.every((member) => member.isReachable));
    assert.equal(status.members.find((member) => member.id === leader.self)?.role, 'leader');
  });

  test('bad requests get a JSON error with a 4xx code', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const notFound = await fetch(url(leader.self, '/nope'));
    assert.equal(notFound.status, 404);
    assert.match(((await notFound.json()) as { error: { code: string } }).error.code, /NOT_FOUND/);
    const badWait = await fetch(url(leader.self, '/leader?wait=forever'));
    assert.equal(badWait.status, 400);
    assert.equal((await fetch(url(leader.self, '/leader'), { method: 'DELETE' })).status, 405);
  });

  test('/metrics passes promtool check metrics and reports the leader', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const text = await cluster.metrics(leader.self);
    assert.equal(metricValue(text, 'elector_is_leader'), 1);
    assert.equal(metricValue(text, 'elector_fencing_token'), leader.fencingToken);
    const file = join(cluster.directory, 'metrics.txt');
    writeFileSync(file, text);
    const problems = execFileSync('sh', [
      '-c',
      `promtool check metrics < ${file} 2>&1 || true`,
    ]).toString();
    assert.equal(problems.trim(), '', problems);
  });

  test('the leader file holds the current leader', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const file = join(cluster.directory, `${cluster.members[0]?.id ?? ''}.leader.json`);
    await waitFor(
      () => (JSON.parse(readFileSync(file, 'utf8')) as { leader: string }).leader === leader.self,
      { timeoutMs: 5000, what: 'the leader file' },
    );
  });

  test('a long-poll and the SSE watch both see a resign, which hands over from loopback', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const follower = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(follower !== undefined);
    const first = await fetch(url(follower.id, '/leader'));
    const tag = first.headers.get('etag') ?? '';
    const longPoll = fetch(url(follower.id, '/leader?wait=20s'), {
      headers: { 'If-None-Match': tag },
    });
    const watch = await fetch(url(follower.id, '/leader/watch'));
    const reader = watch.body?.getReader();
    assert.ok(reader !== undefined);
    const resign = await fetch(url(leader.self, '/leader/resign'), { method: 'POST' });
    assert.equal(resign.status, 200);
    // Raft's resign answers once the member heard its successor lead, not when it asked it to.
    const heard = (await (await fetch(url(leader.self, '/leader'))).json()) as LeaderAnswer;
    assert.ok(
      heard.id !== null && heard.id !== leader.self,
      `right after resign answered, the old leader names ${String(heard.id)} as leader`,
    );
    const changed = (await (await longPoll).json()) as LeaderAnswer;
    assert.notEqual(
      `${changed.id}:${changed.fencingToken}`,
      `${leader.self}:${leader.fencingToken}`,
    );
    let events = '';
    await waitFor(
      async () => {
        const chunk = await reader.read();
        events += new TextDecoder().decode(chunk.value as Uint8Array | undefined);
        return events.split('event: leader').length > 2;
      },
      { timeoutMs: 30_000, what: 'a second SSE event' },
    );
    await reader.cancel();
    const next = await cluster.waitForAgreedLeader('a new leader after resign', 30_000, [
      leader.self,
    ]);
    assert.equal(next.fencingToken, (leader.fencingToken ?? 0) + 1);
    const refused = await fetch(
      url(follower.id === next.self ? leader.self : follower.id, '/leader/resign'),
      { method: 'POST' },
    );
    assert.equal(refused.status, 409, 'a follower cannot resign');
  });
});
