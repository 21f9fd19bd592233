import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertLeadershipHeld, checkHistory } from './checker.js';
import type { RoleRun } from './history.js';
import {
  pauseLeaderUntilSuccessor,
  startPausedLeaderRig,
  type PausedLeaderRig,
} from './paused-leader.js';

// The real-process version of the lease property (docs/raft-safety.md, Claim 2): a leader that
// sleeps past its lease, and wakes up knowing nothing of its successor, must not act. If it
// ignored its lease it would answer 200 with its old token while the successor acts, and the
// checker would see the overlap.
describe('a Raft leader paused past its lease and cut off from news of its successor', () => {
  let rig: PausedLeaderRig;

  before(async () => {
    rig = await startPausedLeaderRig({ prefix: 'elxl', subnet: 78 });
  });

  after(async () => {
    await rig.stop();
  });

  test('answers 503 on waking, so acting intervals never overlap and its stale write is refused', async () => {
    const { mesh, recorder, resource } = rig;
    const paused = await pauseLeaderUntilSuccessor(rig);
    const { index: old, token: oldToken, workload: oldWorkload, successorToken, deaf } = paused;

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
    recorder.mark('heal', `${paused.self} resumed and hears its peers`);
    await recorder.waitForActing('a leader acting after the heal', 10_000);
    const settled = await mesh.waitForAgreedLeader('one leader after the old one rejoins', 10_000);
    assert.ok((settled.fencingToken ?? 0) >= successorToken);
    assert.deepEqual(resource.sharedTokens(), []);

    const history = await recorder.stop();
    const verdict = assertLeadershipHeld(history, 'paused-leader');
    const oldIntervals = verdict.intervals.filter((interval) => interval.member === paused.self);
    assert.ok(oldIntervals.every((interval) => interval.lastSentAt < resumedAt));

    // The same history with one 200 from the woken leader, as a leader ignoring its lease would
    // have answered: the checker reports the overlap.
    const forged: RoleRun = {
      member: paused.self,
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
