import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FencingResource } from '../helpers/fencing-resource.js';
import { waitFor } from '../helpers/wait-for.js';
import { checkHistory } from './checker.js';
import { FaultMesh } from './mesh.js';
import { LeadershipRecorder } from './recorder.js';
import { Workload } from './workload.js';

// The checker must be able to fail on a real program: with the test-only build in which a Raft
// leader ignores its lease (ELECTOR_TEST_UNSAFE_MUTATIONS=ignore-lease), a leader paused past
// its lease and cut off from news of its successor wakes up still answering 200, and the checker
// reports the overlap. The fencing token still refuses its workload's stale write.
describe('a build whose leader ignores its lease', () => {
  let mesh: FaultMesh;
  let recorder: LeadershipRecorder;
  let resource: FencingResource;
  let workloads: Workload[];

  before(async () => {
    mesh = await FaultMesh.start({
      prefix: 'elxb',
      subnet: 73,
      size: 3,
      env: { ELECTOR_TEST_UNSAFE_MUTATIONS: 'ignore-lease' },
    });
    resource = await FencingResource.start();
    recorder = new LeadershipRecorder({
      members: mesh.members.map((member) => ({ id: member.id, url: member.url })),
      heartbeatMs: mesh.heartbeatMs,
      electionTimeoutMs: mesh.electionTimeoutMs,
    });
    workloads = mesh.members.map((member) => new Workload(member.id, resource.url, recorder));
  });

  after(async () => {
    await Promise.all(workloads.map((workload) => workload.stop()));
    await recorder.stop();
    await mesh.stop();
    await resource.stop();
  });

  test('is caught by the checker as overlapping leaders, and fencing still refuses the stale write', async () => {
    const first = await mesh.waitForAgreedLeader('a first leader', 30_000);
    const old = mesh.indexOf(first.self);
    const oldToken = first.fencingToken ?? 0;
    const oldWorkload = workloads[old];
    assert.ok(oldWorkload !== undefined);
    await waitFor(() => oldWorkload.stats.accepted > 0 && oldWorkload.token === oldToken, {
      timeoutMs: 5000,
      what: `${first.self}'s workload to write with token ${oldToken}`,
    });
    oldWorkload.pause();
    const others = mesh.members.map((member) => member.index).filter((index) => index !== old);
    const deaf = await mesh.lab.block(old, others, { direction: 'in' });
    mesh.pause(old);
    recorder.mark('fault', `SIGSTOP ${first.self} and drop what it receives`);
    const successor = await waitFor(
      () =>
        recorder
          .acting()
          .find((entry) => entry.member !== first.self && (entry.fencingToken ?? 0) > oldToken),
      { timeoutMs: 8 * mesh.electionTimeoutMs, what: 'a successor acting with a higher token' },
    );
    const successorToken = successor.fencingToken ?? 0;
    await waitFor(() => resource.highest === successorToken, {
      timeoutMs: 5000,
      what: 'the successor to write',
    });

    mesh.resume(old);
    const role = await fetch(`${mesh.member(old).url}/role/leader`, {
      signal: AbortSignal.timeout(2000),
    });
    assert.equal(role.status, 200, 'the broken build acts on waking');
    const stale = await oldWorkload.resumeWithStaleWrite();
    assert.deepEqual(
      stale,
      { isAccepted: false, highest: successorToken },
      'the fencing token refuses the stale write',
    );
    await deaf.heal();
    await mesh.waitForAgreedLeader('one leader after the heal', 15_000);

    const verdict = checkHistory(await recorder.stop());
    assert.equal(verdict.ok, false, 'the checker must fail this build');
    assert.ok(
      verdict.violations.some((violation) => violation.startsWith('overlap')),
      `expected an overlap, got: ${verdict.violations.join('; ')}`,
    );
  });
});
