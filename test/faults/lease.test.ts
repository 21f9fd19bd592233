import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FencingResource } from '../helpers/fencing-resource.js';
import { waitFor } from '../helpers/wait-for.js';
import { assertLeadershipHeld, checkHistory } from './checker.js';
import type { RoleRun } from './history.js';
import { FaultMesh } from './mesh.js';
import { LeadershipRecorder } from './recorder.js';
import { Workload } from './workload.js';

// The real-process version of the lease property (docs/raft-safety.md, Claim 2): a leader that
// sleeps past its lease, and wakes up knowing nothing of its successor, must not act. If it
// ignored its lease it would answer 200 with its old token while the successor acts, and the
// checker would see the overlap.
describe('a Raft leader paused past its lease and cut off from news of its successor', () => {
  let mesh: FaultMesh;
  let recorder: LeadershipRecorder;
  let resource: FencingResource;
  let workloads: Workload[];

  before(async () => {
    mesh = await FaultMesh.start({ prefix: 'elxl', subnet: 78, size: 3 });
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

  test('answers 503 on waking, so acting intervals never overlap and its stale write is refused', async () => {
    const first = await mesh.waitForAgreedLeader('a first leader', 30_000);
    const old = mesh.indexOf(first.self);
    const oldToken = first.fencingToken ?? 0;
    const oldWorkload = workloads[old];
    assert.ok(oldWorkload !== undefined);
    await waitFor(() => oldWorkload.stats.accepted > 0 && oldWorkload.token === oldToken, {
      timeoutMs: 5000,
      what: `${first.self}'s workload to write with token ${oldToken}`,
    });

    // Freeze the pod (workload and sidecar), and make sure that when it wakes nothing from its
    // peers reaches it: whatever it answers then comes from its own clock and lease alone.
    oldWorkload.pause();
    const others = mesh.members.map((member) => member.index).filter((index) => index !== old);
    const deaf = await mesh.lab.block(old, others, { direction: 'in' });
    mesh.pause(old);
    recorder.mark('fault', `SIGSTOP ${first.self} and drop what it receives`);

    const successor = await waitFor(
      () => {
        const acting = recorder.acting().filter((entry) => entry.member !== first.self);
        const next = acting[0];
        return next !== undefined && (next.fencingToken ?? 0) > oldToken ? next : undefined;
      },
      { timeoutMs: 8 * mesh.electionTimeoutMs, what: 'a successor acting with a higher token' },
    );
    const successorToken = successor.fencingToken ?? 0;
    await waitFor(() => resource.highest === successorToken, {
      timeoutMs: 5000,
      what: `the successor's workload to write with token ${successorToken}`,
    });

    mesh.resume(old);
    const resumedAt = recorder.now();
    const role = await fetch(`${mesh.member(old).url}/role/leader`, {
      signal: AbortSignal.timeout(2000),
    });
    assert.equal(role.status, 503, 'the woken leader does not act');
    assert.equal(role.headers.get('Elector-Fencing-Token'), null);
    const view = await mesh.leaderAnswer(old);
    assert.equal(
      view?.term,
      oldToken,
      'it has not heard of the new term: its lease alone stopped it',
    );
    assert.equal(view.isSelf, false);

    const stale = await oldWorkload.resumeWithStaleWrite();
    assert.deepEqual(
      stale,
      { isAccepted: false, highest: successorToken },
      'the stale write is fenced off',
    );

    await deaf.heal();
    recorder.mark('heal', `${first.self} resumed and hears its peers`);
    await recorder.waitForActing('a leader acting after the heal', 10_000);
    const settled = await mesh.waitForAgreedLeader('one leader after the old one rejoins', 10_000);
    assert.ok((settled.fencingToken ?? 0) >= successorToken);
    assert.deepEqual(resource.sharedTokens(), []);

    const history = await recorder.stop();
    const verdict = assertLeadershipHeld(history, 'paused-leader');
    const oldIntervals = verdict.intervals.filter((interval) => interval.member === first.self);
    assert.ok(oldIntervals.every((interval) => interval.lastSentAt < resumedAt));

    // The same history with one 200 from the woken leader, as a leader ignoring its lease would
    // have answered: the checker reports the overlap.
    const forged: RoleRun = {
      member: first.self,
      state: 'acting',
      fencingToken: oldToken,
      firstSentAt: resumedAt + 1,
      firstReceivedAt: resumedAt + 2,
      lastSentAt: resumedAt + 1,
      lastReceivedAt: resumedAt + 2,
      count: 1,
    };
    const caught = checkHistory({ ...history, runs: [...history.runs, forged] });
    assert.equal(caught.ok, false);
    assert.ok(caught.violations.some((violation) => violation.startsWith('overlap')));
  });
});
