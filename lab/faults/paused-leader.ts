import assert from 'node:assert/strict';
import { z } from 'zod';
import type { LabFault } from '../netns.js';
import { FencingResource } from '../fencing-resource.js';
import type { LeaderAnswer } from '../sidecar-cluster.js';
import { waitFor } from '../wait-for.js';
import { assertLeadershipHeld, checkHistory } from './checker.js';
import type { History } from './history.js';
import { FaultMesh, type MeshOptions } from './mesh.js';
import { LeadershipRecorder } from './recorder.js';
import { Workload } from './workload.js';

/** A 3-member mesh in its own namespaces, with a recorder and one fenced workload per member. */
export interface PausedLeaderRig {
  readonly mesh: FaultMesh;
  readonly recorder: LeadershipRecorder;
  readonly resource: FencingResource;
  readonly workloads: readonly Workload[];
  stop(): Promise<void>;
}

export async function startPausedLeaderRig(
  options: Omit<MeshOptions, 'size'>,
): Promise<PausedLeaderRig> {
  const mesh = await FaultMesh.start({ ...options, size: 3 });
  const resource = await FencingResource.start();
  const recorder = new LeadershipRecorder({
    members: mesh.members.map((member) => ({ id: member.id, url: member.url })),
    heartbeatMs: mesh.heartbeatMs,
    electionTimeoutMs: mesh.electionTimeoutMs,
  });
  const workloads = mesh.members.map((member) => new Workload(member.id, resource.url, recorder));
  return {
    mesh,
    recorder,
    resource,
    workloads,
    async stop() {
      await Promise.all(workloads.map((workload) => workload.stop()));
      await recorder.stop();
      await mesh.stop();
      await resource.stop();
    },
  };
}

/** A leader whose workload had written when a fault struck it, and the successor that acted. */
export interface FaultedLeader {
  readonly self: string;
  readonly index: number;
  readonly token: number;
  readonly workload: Workload;
  readonly successorToken: number;
  /** Undoes the fault. */
  readonly fault: LabFault;
}

/**
 * Waits for a leader whose workload has written with its token, strikes it with `inject` (which
 * marks the fault in the recorder and returns its undo), then waits until a successor acts with
 * a higher token (within `successorTimeoutMs`) and its workload has written.
 */
export async function faultLeaderUntilSuccessor(
  rig: PausedLeaderRig,
  inject: (leader: { index: number; self: string; workload: Workload }) => Promise<LabFault>,
  successorTimeoutMs: number,
): Promise<FaultedLeader> {
  const { mesh, recorder, resource, workloads } = rig;
  const first = await mesh.waitForAgreedLeader('a first leader', 30_000);
  const index = mesh.indexOf(first.self);
  const token = first.fencingToken ?? 0;
  const workload = workloads[index];
  assert.ok(workload !== undefined);
  await waitFor(() => workload.stats.accepted > 0 && workload.token === token, {
    timeoutMs: 5000,
    what: `${first.self}'s workload to write with token ${token}`,
  });
  const fault = await inject({ index, self: first.self, workload });
  const successor = await waitFor(
    () =>
      recorder
        .acting()
        .find((entry) => entry.member !== first.self && (entry.fencingToken ?? 0) > token),
    { timeoutMs: successorTimeoutMs, what: 'a successor acting with a higher token' },
  );
  const successorToken = successor.fencingToken ?? 0;
  await waitFor(() => resource.highest === successorToken, {
    timeoutMs: 5000,
    what: `the successor's workload to write with token ${successorToken}`,
  });
  return { self: first.self, index, token, workload, successorToken, fault };
}

/**
 * Freezes a leader whose workload has written (workload and sidecar) and drops everything its
 * peers send it, so whatever it answers on waking comes from its own clock and lease alone;
 * then waits until a successor acts with a higher token and has written.
 */
export function pauseLeaderUntilSuccessor(rig: PausedLeaderRig): Promise<FaultedLeader> {
  const { mesh, recorder } = rig;
  return faultLeaderUntilSuccessor(
    rig,
    async ({ index, self, workload }) => {
      workload.pause();
      const others = mesh.members.map((member) => member.index).filter((other) => other !== index);
      const deaf = await mesh.lab.block(index, others, { direction: 'in' });
      mesh.pause(index);
      recorder.mark('fault', `SIGSTOP ${self} and drop what it receives`);
      return deaf;
    },
    8 * mesh.electionTimeoutMs,
  );
}

/**
 * Wakes the paused leader and checks that its lease alone stopped it: it answers 503 without a
 * token, still in its old term (it heard nothing of its successor), and its workload's stale
 * write is fenced off. Then lets it hear its peers, waits for one agreed leader, and checks the
 * history (`name` in the verdict): no overlap, and none of its acting after it woke.
 */
export async function assertWokenLeaderStoodDown(
  rig: PausedLeaderRig,
  paused: FaultedLeader,
  name: string,
): Promise<{ history: History; resumedAt: number }> {
  const { mesh, recorder, resource } = rig;
  mesh.resume(paused.index);
  const resumedAt = recorder.now();
  const role = await fetch(`${mesh.member(paused.index).url}/role/leader`, {
    signal: AbortSignal.timeout(2000),
  });
  assert.equal(role.status, 503, 'the woken leader does not act');
  assert.equal(role.headers.get('Elector-Fencing-Token'), null);
  const view = await mesh.leaderAnswer(paused.index);
  assert.equal(
    view?.term,
    paused.token,
    'it has not heard of the new term: its lease alone stopped it',
  );
  assert.equal(view.isSelf, false);

  await assertStaleWriteFenced(paused);

  await paused.fault.heal();
  recorder.mark('heal', `${paused.self} resumed and hears its peers`);
  await recorder.waitForActing('a leader acting after the heal', 10_000);
  const settled = await mesh.waitForAgreedLeader('one leader after the old one rejoins', 10_000);
  assert.ok((settled.fencingToken ?? 0) >= paused.successorToken);
  assert.deepEqual(resource.sharedTokens(), []);

  const history = await recorder.stop();
  const verdict = assertLeadershipHeld(history, name);
  const oldIntervals = verdict.intervals.filter((interval) => interval.member === paused.self);
  assert.ok(oldIntervals.every((interval) => interval.lastSentAt < resumedAt));
  return { history, resumedAt };
}

/**
 * The counterpart of assertWokenLeaderStoodDown for a leader expected to keep acting on waking
 * (a broken build, a clock beyond the drift bound): its workload's stale write is still fenced
 * off, and once it hears its peers and one leader is agreed, the checker must fail the history
 * with an overlap involving it. Prints the verdict's line, headed by `name`.
 */
export async function assertWokenLeaderCaught(
  rig: PausedLeaderRig,
  paused: FaultedLeader,
  name: string,
): Promise<void> {
  await assertStaleWriteFenced(paused);
  await paused.fault.heal();
  await rig.mesh.waitForAgreedLeader('one leader after the heal', 15_000);
  const verdict = checkHistory(await rig.recorder.stop());
  console.log(`${name}: ${verdict.line}`);
  assert.equal(verdict.ok, false, 'the checker must fail a leader that acts after its lease');
  assert.ok(
    verdict.violations.some(
      (violation) => violation.startsWith('overlap') && violation.includes(paused.self),
    ),
    `expected an overlap involving ${paused.self}, got: ${verdict.violations.join('; ')}`,
  );
}

/** Lets the faulted leader's workload write again: the resource refuses its stale token. */
async function assertStaleWriteFenced(paused: FaultedLeader): Promise<void> {
  const stale = await paused.workload.resumeWithStaleWrite();
  assert.deepEqual(
    stale,
    { isAccepted: false, highest: paused.successorToken },
    'the fencing token refuses the stale write',
  );
}

const clusterStatusSchema = z.object({
  members: z.array(z.object({ id: z.string(), lastContactMs: z.number().nullable() })),
});

/**
 * Makes member `index` the acting leader, for tests whose members differ (e.g. in clock rate)
 * and need one particular member to lead. If another member leads, it freezes the third member
 * until the leader has heard from `index` more recently than from it, so the leader's transfer
 * picks `index` (the eligible peer with the newest acknowledgement: `chooseTransferTarget` in
 * src/core/raft/leader.ts); then it POSTs /leader/resign with `resignToken` (the members must run
 * with ELECTOR_RESIGN_POLICY=token), wakes the third member and waits until all agree.
 * Tries a few times; rejects if `index` does not end up leading.
 */
export async function handLeadershipTo(
  rig: PausedLeaderRig,
  index: number,
  resignToken: string,
): Promise<LeaderAnswer> {
  const { mesh, recorder } = rig;
  const target = mesh.member(index).id;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const leader = await mesh.waitForAgreedLeader(`an agreed leader (attempt ${attempt})`, 30_000);
    if (leader.self === target) return leader;
    const from = mesh.indexOf(leader.self);
    const bystander = mesh.members.find(
      (member) => member.index !== from && member.index !== index,
    );
    assert.ok(bystander !== undefined, 'handLeadershipTo needs three members');
    mesh.pause(bystander.index);
    recorder.mark('note', `SIGSTOP ${bystander.id} so that ${leader.self} hands over to ${target}`);
    try {
      await waitFor(
        async () => {
          const response = await fetch(`${mesh.member(from).url}/cluster/status`, {
            signal: AbortSignal.timeout(1000),
          });
          const { members } = clusterStatusSchema.parse(await response.json());
          const silentMs = members.find((member) => member.id === bystander.id)?.lastContactMs;
          const heardMs = members.find((member) => member.id === target)?.lastContactMs;
          // Two heartbeat intervals apart: the target acked a heartbeat sent after the
          // bystander's last one.
          return silentMs != null && heardMs != null && silentMs - heardMs > 2 * mesh.heartbeatMs;
        },
        {
          timeoutMs: 5000,
          what: `${leader.self} to hear from ${target} but no more from ${bystander.id}`,
        },
      );
      const resign = await fetch(`${mesh.member(from).url}/leader/resign`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${resignToken}` },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(resign.status, 200, `resign at ${leader.self}: ${await resign.text()}`);
      // The bystander sleeps until the transfer's election is over, so it cannot run for it.
      await waitFor(
        async () => {
          const view = await mesh.leaderAnswer(from);
          return view !== null && view.term > leader.term && view.id !== null;
        },
        { timeoutMs: 5000, what: `${leader.self} to follow a leader of a newer term` },
      );
    } finally {
      mesh.resume(bystander.index);
      recorder.mark('note', `SIGCONT ${bystander.id}`);
    }
  }
  const leader = await mesh.waitForAgreedLeader('an agreed leader after the transfers', 10_000);
  assert.equal(leader.self, target, `leadership did not reach ${target}`);
  return leader;
}
