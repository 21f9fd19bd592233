import assert from 'node:assert/strict';
import type { LabFault } from '../helpers/netns.js';
import { FencingResource } from '../helpers/fencing-resource.js';
import { waitFor } from '../helpers/wait-for.js';
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

export interface PausedLeader {
  readonly self: string;
  readonly index: number;
  readonly token: number;
  readonly workload: Workload;
  readonly successorToken: number;
  /** Lets the paused leader hear its peers again. */
  readonly deaf: LabFault;
}

/**
 * Waits for a leader whose workload has written, freezes that pod (workload and sidecar) and
 * drops everything its peers send it, so whatever it answers on waking comes from its own clock
 * and lease alone; then waits until a successor acts with a higher token and has written.
 */
export async function pauseLeaderUntilSuccessor(rig: PausedLeaderRig): Promise<PausedLeader> {
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
  workload.pause();
  const others = mesh.members.map((member) => member.index).filter((other) => other !== index);
  const deaf = await mesh.lab.block(index, others, { direction: 'in' });
  mesh.pause(index);
  recorder.mark('fault', `SIGSTOP ${first.self} and drop what it receives`);
  const successor = await waitFor(
    () =>
      recorder
        .acting()
        .find((entry) => entry.member !== first.self && (entry.fencingToken ?? 0) > token),
    { timeoutMs: 8 * mesh.electionTimeoutMs, what: 'a successor acting with a higher token' },
  );
  const successorToken = successor.fencingToken ?? 0;
  await waitFor(() => resource.highest === successorToken, {
    timeoutMs: 5000,
    what: `the successor's workload to write with token ${successorToken}`,
  });
  return { self: first.self, index, token, workload, successorToken, deaf };
}
