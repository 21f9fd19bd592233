import { randomInt as cryptoRandomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { randomInt, seededRandom } from '../../src/core/random.js';
import { FencingResource } from '../fencing-resource.js';
import { waitFor } from '../wait-for.js';
import { checkHistory, saveHistory, type CheckOptions, type Verdict } from './checker.js';
import { backendFaultKinds } from './backend-faults.js';
import { raftFaultKinds } from './faults.js';
import type { History } from './history.js';
import { FaultMesh, type MeshOptions } from './mesh.js';
import { LeadershipRecorder } from './recorder.js';
import { Workload, type WorkloadStats } from './workload.js';

export interface CampaignOptions {
  readonly seed: number;
  /** Faults are injected until this much time has passed; the last one then heals. */
  readonly durationMs: number;
  readonly size: number;
  /** Raft (default), or candidates on an etcd, ZooKeeper or test apiserver. */
  readonly backend?: MeshOptions['backend'];
  readonly prefix: string;
  readonly subnet: number;
  readonly heartbeatMs?: number;
  /** Raft: the election timeout T. Other backends: the lease (TTL, session, Lease duration). */
  readonly electionTimeoutMs?: number;
  readonly check?: CheckOptions;
  readonly log?: (line: string) => void;
}

export interface CampaignReport {
  readonly seed: number;
  readonly faults: number;
  readonly faultsByKind: Readonly<Record<string, number>>;
  /** Changes of the acting leader (member or token) the recorder observed. */
  readonly failovers: number;
  readonly durationMs: number;
  readonly writes: WorkloadStats;
  /** Tokens the fenced resource accepted from more than one writer (must be empty). */
  readonly sharedTokens: readonly { token: number; writers: string[] }[];
  readonly verdict: Verdict;
  readonly history: History;
  readonly summary: string;
}

/** The seed from ELECTOR_SEED, or a fresh one. */
export function campaignSeed(): number {
  const given = process.env.ELECTOR_SEED;
  if (given === undefined || given === '') return cryptoRandomInt(2 ** 31 - 1);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`ELECTOR_SEED: expected an integer; got ${JSON.stringify(given)}`);
  }
  return seed;
}

/**
 * Runs a Raft mesh (or candidates on a backend server) in network namespaces, with a fenced workload per member, and injects a
 * seeded random sequence of faults from `faultKinds`, healing each and waiting for an agreed
 * leader before the next. The seed fixes the sequence of faults, targets and durations; the
 * processes' own timing is real. On an error the history and the members' logs are saved and
 * the error names them.
 */
/**
 * Kubernetes: waits until the leader's pod alone carries the leader label and every other pod
 * is labelled follower (a partitioned old leader's label is cleaned up by its successor).
 */
async function waitForRoleLabels(mesh: FaultMesh, leader: string, after: string): Promise<void> {
  const roleLabels = mesh.server?.roleLabels;
  if (roleLabels === null || roleLabels === undefined) return;
  let last: Record<string, string | null> = {};
  try {
    await waitFor(
      () => {
        last = roleLabels();
        return Object.entries(last).every(
          ([pod, role]) => role === (pod === leader ? 'leader' : 'follower'),
        );
      },
      { timeoutMs: 10_000, what: `only ${leader}'s pod labelled leader after "${after}"` },
    );
  } catch (error) {
    throw new Error(`${String(error)}; labels: ${JSON.stringify(last)}`, { cause: error });
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const log = options.log ?? (() => undefined);
  // Each backend draws its own sequence from one seed, so one ELECTOR_SEED replays them all.
  const backendIndex = ['raft', 'etcd', 'zookeeper', 'kubernetes'].indexOf(
    options.backend ?? 'raft',
  );
  const random = seededRandom((options.seed + backendIndex * 0x9e3779b9) >>> 0);
  const mesh = await FaultMesh.start({
    prefix: options.prefix,
    subnet: options.subnet,
    size: options.size,
    controlWallClocks: true,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.electionTimeoutMs === undefined
      ? {}
      : { electionTimeoutMs: options.electionTimeoutMs }),
  });
  const faultKinds =
    mesh.backend === 'raft' ? raftFaultKinds : backendFaultKinds(mesh.server?.pause != null);
  const resource = await FencingResource.start();
  const recorder = new LeadershipRecorder({
    members: mesh.members.map((member) => ({ id: member.id, url: member.url })),
    heartbeatMs: mesh.heartbeatMs,
    electionTimeoutMs: mesh.electionTimeoutMs,
    seed: options.seed,
    backend: mesh.backend,
  });
  const workloads = mesh.members.map((member) => new Workload(member.id, resource.url, recorder));
  const faultsByKind: Record<string, number> = {};
  let faults = 0;
  const startedAt = performance.now();
  const timing = { endedAt: startedAt };
  try {
    let leader = await mesh.waitForAgreedLeader('a first leader', 30_000);
    while (performance.now() - startedAt < options.durationMs) {
      const kind = faultKinds[randomInt(random, 0, faultKinds.length - 1)];
      if (kind === undefined) throw new Error('empty fault catalogue');
      const fault = await kind.apply({ mesh, leader: mesh.indexOf(leader.self), random });
      recorder.mark('fault', fault.label);
      faults++;
      faultsByKind[kind.name] = (faultsByKind[kind.name] ?? 0) + 1;
      log(`fault ${faults}: ${fault.label} for ${fault.durationMs} ms`);
      try {
        await delay(fault.durationMs); // the fault's intended duration, not a synchronisation
      } finally {
        await fault.heal();
        recorder.mark('heal', fault.label);
      }
      await recorder.waitForActing(`a member answering 200 after "${fault.label}" healed`, 20_000);
      leader = await mesh.waitForAgreedLeader(`an agreed leader after "${fault.label}"`, 20_000);
      await waitForRoleLabels(mesh, leader.self, fault.label);
    }
    timing.endedAt = performance.now();
  } catch (error) {
    const file = saveHistory(recorder.history(), `campaign-seed-${options.seed}`);
    const logs = join(dirname(file), 'members.log');
    writeFileSync(logs, mesh.logs(200_000));
    throw new Error(
      `fault campaign (seed ${options.seed}) stopped after ${faults} faults: ${String(error)}\nhistory: ${file}\nlogs: ${logs}`,
      { cause: error },
    );
  } finally {
    await Promise.all(workloads.map((workload) => workload.stop()));
    await recorder.stop();
    await mesh.lab.healAll();
    await mesh.stop();
    await resource.stop();
  }
  const durationMs = timing.endedAt - startedAt;
  const history = recorder.history();
  const verdict = checkHistory(history, options.check);
  const writes: WorkloadStats = { accepted: 0, rejected: 0, unanswered: 0 };
  for (const workload of workloads) {
    writes.accepted += workload.stats.accepted;
    writes.rejected += workload.stats.rejected;
    writes.unanswered += workload.stats.unanswered;
  }
  const failovers = Math.max(0, verdict.intervals.length - 1);
  const summary = [
    `fault campaign (${mesh.backend}): seed ${options.seed}`,
    `${faults} faults in ${(durationMs / 1000).toFixed(1)} s`,
    `${failovers} failovers`,
    `writes ${writes.accepted} accepted, ${writes.rejected} rejected as stale, ${writes.unanswered} unanswered`,
    Object.entries(faultsByKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name}×${count}`)
      .join(' '),
  ].join(' · ');
  return {
    seed: options.seed,
    faults,
    faultsByKind,
    failovers,
    durationMs,
    writes,
    sharedTokens: resource.sharedTokens(),
    verdict,
    history,
    summary,
  };
}
