import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertWokenLeaderCaught,
  pauseLeaderUntilSuccessor,
  startPausedLeaderRig,
  type PausedLeaderRig,
} from '../../lab/faults/paused-leader.js';
import { ignoreLeaseNodeArgs } from '../../lab/faults/mesh.js';

// The checker must be able to fail on a real program: with the test-only build in which a Raft
// leader ignores its lease (lab/ignore-lease/preload.mjs), a leader paused past
// its lease and cut off from news of its successor wakes up still answering 200, and the checker
// reports the overlap. The fencing token still refuses its workload's stale write.
describe('a build whose leader ignores its lease', () => {
  let rig: PausedLeaderRig;

  before(async () => {
    rig = await startPausedLeaderRig({
      prefix: 'elxb',
      subnet: 73,
      memberProcess: () => ({ nodeArgs: ignoreLeaseNodeArgs }),
    });
  });

  after(async () => {
    await rig.stop();
  });

  test('is caught by the checker as overlapping leaders, and fencing still refuses the stale write', async () => {
    const { mesh } = rig;
    const paused = await pauseLeaderUntilSuccessor(rig);

    mesh.resume(paused.index);
    const role = await fetch(`${mesh.member(paused.index).url}/role/leader`, {
      signal: AbortSignal.timeout(2000),
    });
    assert.equal(role.status, 200, 'the broken build acts on waking');
    await assertWokenLeaderCaught(rig, paused, 'broken-lease');
  });
});
