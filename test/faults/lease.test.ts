import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkHistory } from '../../lab/faults/checker.js';
import type { RoleRun } from '../../lab/faults/history.js';
import {
  assertWokenLeaderStoodDown,
  pauseLeaderUntilSuccessor,
  startPausedLeaderRig,
  type PausedLeaderRig,
} from '../../lab/faults/paused-leader.js';

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
    const paused = await pauseLeaderUntilSuccessor(rig);
    const { history, resumedAt } = await assertWokenLeaderStoodDown(rig, paused, 'paused-leader');

    // The same history with one 200 from the woken leader, as a leader ignoring its lease would
    // have answered: the checker reports the overlap.
    const forged: RoleRun = {
      member: paused.self,
      state: 'acting',
      fencingToken: paused.token,
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
