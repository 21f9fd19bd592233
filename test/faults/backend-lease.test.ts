import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../../lab/wait-for.js';
import { assertLeadershipHeld, checkHistory } from '../../lab/faults/checker.js';
import type { ServerBackend } from '../../lab/faults/backend-server.js';
import { faultLeaderUntilSuccessor, startPausedLeaderRig } from '../../lab/faults/paused-leader.js';
import { ignoreLeaseNodeArgs } from '../../lab/faults/mesh.js';

// A leader cut off from its backend server (etcd, ZooKeeper, the apiserver) loses its lease or
// session there, and a successor takes over. Our build stops acting on its own clock before
// that; the test-only build that ignores its lease (lab/ignore-lease/preload.mjs)
// goes on acting, as a home-made lock would, and the checker must report the overlap. Either
// way the fencing token refuses the old leader's writes once the successor has written.
const labs: readonly { backend: ServerBackend; prefix: string; subnet: number }[] = [
  { backend: 'etcd', prefix: 'elxr', subnet: 85 },
  { backend: 'zookeeper', prefix: 'elxy', subnet: 86 },
  { backend: 'kubernetes', prefix: 'elxt', subnet: 87 },
];
const leaseMs = 1000;

async function cutLeaderFromBackend(
  lab: (typeof labs)[number],
  isBroken: boolean,
): Promise<{ oldStillActs: boolean; verdictOk: boolean; violations: readonly string[] }> {
  const rig = await startPausedLeaderRig({
    prefix: lab.prefix,
    subnet: lab.subnet,
    backend: lab.backend,
    electionTimeoutMs: leaseMs,
    ...(isBroken ? { memberProcess: () => ({ nodeArgs: ignoreLeaseNodeArgs }) } : {}),
  });
  try {
    const { mesh, recorder, resource } = rig;
    const cutOff = await faultLeaderUntilSuccessor(
      rig,
      async ({ index, self }) => {
        const cut = await mesh.lab.blockBackend(index, { direction: 'both' });
        recorder.mark('fault', `cut ${self} from the ${lab.backend} server`);
        return cut;
      },
      10 * leaseMs,
    );
    const { index: old, workload: oldWorkload } = cutOff;
    const role = await fetch(`${mesh.member(old).url}/role/leader`, {
      signal: AbortSignal.timeout(2000),
    });
    const oldStillActs = role.status === 200;
    if (oldStillActs) {
      const rejectedBefore = oldWorkload.stats.rejected;
      await waitFor(() => oldWorkload.stats.rejected > rejectedBefore, {
        timeoutMs: 5000,
        what: "the old leader's workload to write again (and be refused)",
      });
    }
    await cutOff.fault.heal();
    recorder.mark('heal', `${cutOff.self} reaches the ${lab.backend} server again`);
    await mesh.waitForAgreedLeader('one leader after the heal', 15_000);
    assert.deepEqual(resource.sharedTokens(), [], 'no token was accepted from two writers');
    const history = await recorder.stop();
    if (!isBroken) assertLeadershipHeld(history, `${lab.backend}-cut-leader`);
    const verdict = checkHistory(history);
    return { oldStillActs, verdictOk: verdict.ok, violations: verdict.violations };
  } catch (error) {
    throw new Error(`${String(error)}\n${rig.mesh.logs()}`, { cause: error });
  } finally {
    await rig.stop();
  }
}

describe('a leader cut off from its backend server', () => {
  for (const lab of labs) {
    test(`${lab.backend}: stops acting before its successor acts, and the checker passes`, async () => {
      const outcome = await cutLeaderFromBackend(lab, false);
      assert.equal(outcome.oldStillActs, false, 'the old leader answers 503 once cut off');
      assert.equal(outcome.verdictOk, true, outcome.violations.join('; '));
    });

    test(`${lab.backend}: the build that ignores its lease is caught by the checker as overlapping leaders`, async () => {
      const outcome = await cutLeaderFromBackend(lab, true);
      assert.equal(outcome.oldStillActs, true, 'the broken build still acts while cut off');
      assert.equal(outcome.verdictOk, false, 'the checker must fail this build');
      assert.ok(
        outcome.violations.some((violation) => violation.startsWith('overlap')),
        `expected an overlap, got: ${outcome.violations.join('; ')}`,
      );
    });
  }
});
