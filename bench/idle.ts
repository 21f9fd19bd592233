// npm run bench:idle [-- --seconds 60 --steady-after 240 --profile]
// RSS and CPU of each member of an idle 3-member Raft mesh (the built CLI), read from /proc: once
// in the first window after the election, and once more after the processes have run for a while.
// V8 optimises the per-heartbeat code only after it has run many times, so a sidecar's CPU in its
// first minute is well above what it uses for the rest of its life; both are reported.
// Then, with the mesh stopped, two floor meshes, each alone on the machine (beside the mesh, a
// floor shifted one follower's figure by half a percent):
// - "node-floor" (bench/idle-floor-member.mjs): three bare Node.js processes that move bytes at
//   the mesh's rate and in writes of its mean sizes, and do nothing else: the part of the idle
//   cost that the runtime and the kernel take for the traffic alone;
// - "wire-floor" (bench/idle-wire-floor-member.mjs): the same rounds, each heartbeat and
//   acknowledgement through elector's own wire code (JSON, frame MAC, framing, validation) and
//   nothing else: what the peer protocol costs at that rate, before any Raft work.
// With --profile (needs `perf`), every steady window is followed by one more of the same length
// in which `perf record` samples each process, and results/idle-profile.json says where its CPU
// went, by kind of work (bench/cpu-profile.ts). The processes then run with --perf-basic-prof,
// so that JavaScript frames have names.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startChild, type Child } from '../lab/child.js';
import { freePorts } from '../lab/free-port.js';
import { SidecarCluster } from '../lab/sidecar-cluster.js';
import { waitFor } from '../lab/wait-for.js';
import { hasPerf, profileCategories, recordProfile } from './cpu-profile.js';
import { BenchOutput } from './output.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'steady-after': { type: 'string', default: '240' },
    profile: { type: 'boolean', default: false },
  },
});
const isProfiled = values.profile;
/** Samples a second per thread; an idle member runs a few milliseconds a second. */
const profileFrequencyHz = 1999;
const seconds = Number(values.seconds);
const steadyAfterSeconds = Number(values['steady-after']);
if (!(seconds > 0)) {
  console.error(`--seconds: expected a positive number; got ${JSON.stringify(values.seconds)}`);
  process.exit(2);
}
if (!(steadyAfterSeconds >= seconds)) {
  console.error(
    `--steady-after: expected a number of seconds ≥ --seconds (${seconds}); got ${JSON.stringify(values['steady-after'])}`,
  );
  process.exit(2);
}

const clockTicksPerSecond = 100;
/** The mesh's default heartbeat interval, which the floor leader's rounds follow. */
const heartbeatIntervalMs = 100;
/** How long the node floor runs before its window opens (it has little code for V8 to warm up). */
const floorWarmUpSeconds = 20;
const floorMemberScript = fileURLToPath(new URL('./idle-floor-member.mjs', import.meta.url));
const wireFloorMemberScript = fileURLToPath(
  new URL('./idle-wire-floor-member.mjs', import.meta.url),
);

/**
 * A floor mesh: what its members run, and the arguments of a follower (listening on `port`) and
 * of the leader (sending to `ports`).
 */
interface FloorKind {
  readonly backend: 'node-floor' | 'wire-floor';
  readonly script: string;
  readonly followerArgs: (port: number) => readonly string[];
  readonly leaderArgs: (ports: readonly number[]) => readonly string[];
}

/** Bare Node.js moving bytes of the mesh's mean write sizes at its rate. */
function nodeFloor(frameBytes: number, replyBytes: number): FloorKind {
  return {
    backend: 'node-floor',
    script: floorMemberScript,
    followerArgs: (port) => ['follower', String(port), String(replyBytes)],
    leaderArgs: (ports) => [
      'leader',
      String(heartbeatIntervalMs),
      String(frameBytes),
      ...ports.map(String),
    ],
  };
}

/** Heartbeats and acknowledgements through elector's own wire code, and nothing else. */
const wireFloor: FloorKind = {
  backend: 'wire-floor',
  script: wireFloorMemberScript,
  followerArgs: (port) => ['follower', String(port)],
  leaderArgs: (ports) => ['leader', String(heartbeatIntervalMs), ...ports.map(String)],
};

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // Fields 14 and 15 (utime, stime) counted from the state field, which is index 0 here.
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? Number.NaN) / 1024;
}

/**
 * How many times the main thread has gone to sleep so far (`voluntary_ctxt_switches`): once per
 * wait of the event loop, so the difference over a window counts its wake-ups.
 */
function mainThreadSleeps(pid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

/** Bytes written and write calls made so far (`wchar`, `syscw` of /proc/<pid>/io). */
function writeCounters(pid: number): { readonly bytes: number; readonly calls: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const counter = (name: string): number =>
    Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1]);
  return { bytes: counter('wchar'), calls: counter('syscw') };
}

interface Measured {
  readonly id: string;
  readonly pid: number;
  readonly role: 'leader' | 'follower';
}

/** A floor mesh: two followers that answer every read, and a leader that sends rounds. */
async function startFloorMesh(kind: FloorKind): Promise<Child[]> {
  const ports = await freePorts(2);
  const started: Child[] = [];
  const start = (args: readonly string[], ready: string): Promise<unknown> => {
    const nodeArgs = isProfiled ? ['--perf-basic-prof'] : [];
    const child = startChild(process.execPath, [...nodeArgs, kind.script, ...args]);
    started.push(child);
    return waitFor(() => child.output().includes(ready), {
      timeoutMs: 10_000,
      what: `the ${kind.backend} ${args[0] ?? ''} to say "${ready}"; output: ${child.output()}`,
    });
  };
  try {
    for (const port of ports) await start(kind.followerArgs(port), 'listening');
    await start(kind.leaderArgs(ports), 'sending');
  } catch (error) {
    await Promise.all(started.map((child) => child.kill()));
    throw error;
  }
  return started;
}

/** Measured members' CPU, RSS and writes over one window of `seconds`, one row each. */
async function measureWindow(
  members: readonly Measured[],
  describe: (member: Measured, openedAt: number) => Record<string, unknown>,
  output: BenchOutput,
): Promise<Map<string, number>> {
  const cpuBefore = members.map(({ pid }) => cpuSeconds(pid));
  const writesBefore = members.map(({ pid }) => writeCounters(pid));
  const sleepsBefore = members.map(({ pid }) => mainThreadSleeps(pid));
  const openedAt = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - openedAt) / 1000;
  const meanWriteBytes = new Map<string, number>();
  members.forEach((member, index) => {
    const writes = writeCounters(member.pid);
    const calls = writes.calls - (writesBefore[index]?.calls ?? 0);
    const bytes = calls > 0 ? (writes.bytes - (writesBefore[index]?.bytes ?? 0)) / calls : 0;
    meanWriteBytes.set(member.id, bytes);
    output.add({
      ...describe(member, openedAt),
      member_role: member.role,
      seconds: round(elapsed, 1),
      rss_mb: round(rssMegabytes(member.pid), 1),
      cpu_percent: round(((cpuSeconds(member.pid) - (cpuBefore[index] ?? 0)) / elapsed) * 100, 2),
      wakeups_per_s: round(
        (mainThreadSleeps(member.pid) - (sleepsBefore[index] ?? 0)) / elapsed,
        1,
      ),
      writes_per_s: round(calls / elapsed, 1),
      bytes_per_write: round(bytes, 0),
    });
  });
  return meanWriteBytes;
}

/** One more window of `seconds` in which perf samples every member; a row per member. */
async function profileWindow(
  members: readonly Measured[],
  backend: string,
  output: BenchOutput,
): Promise<void> {
  const profiles = await Promise.all(
    members.map(({ pid }) => recordProfile(pid, seconds, profileFrequencyHz)),
  );
  members.forEach((member, index) => {
    const profile = profiles[index];
    if (profile === undefined) return;
    const percentOfCore = (count: number): number =>
      round((count / profileFrequencyHz / seconds) * 100, 2);
    output.add({
      backend,
      member_role: member.role,
      seconds,
      samples: profile.samples,
      cpu_percent: percentOfCore(profile.samples),
      ...Object.fromEntries(
        profileCategories.map((category) => [category, percentOfCore(profile.counts[category])]),
      ),
    });
  });
  // --perf-basic-prof leaves a symbol map per process in the temp directory.
  for (const { pid } of members) rmSync(join(tmpdir(), `perf-${pid}.map`), { force: true });
}

/** The elector mesh's two windows; resolves with the mean write size of each member in the steady one. */
async function measureMesh(
  output: BenchOutput,
  profileOutput: BenchOutput,
): Promise<{ leader: number; follower: number }> {
  const env: Record<string, string> = isProfiled ? { NODE_OPTIONS: '--perf-basic-prof' } : {};
  const cluster = await SidecarCluster.start({ size: 3, env });
  try {
    const leader = await cluster.waitForAgreedLeader('a leader before measuring', 20_000);
    const startedAt = performance.now();
    const mesh: Measured[] = cluster.members.map((member) => ({
      id: member.id,
      pid: member.child?.pid ?? 0,
      role: member.id === leader.self ? 'leader' : 'follower',
    }));
    const window = async (name: 'first' | 'steady'): Promise<Map<string, number>> => {
      const bytes = await measureWindow(
        mesh,
        (_member, openedAt) => ({
          backend: 'raft',
          members: 3,
          window: name,
          started_after_s: round((openedAt - startedAt) / 1000, 0),
        }),
        output,
      );
      const after = await cluster.waitForAgreedLeader('the same leader after the window', 5000);
      if (after.self !== leader.self || after.fencingToken !== leader.fencingToken) {
        throw new Error(`the leader changed during the ${name} window: the mesh was not idle`);
      }
      return bytes;
    };
    await window('first');
    await sleep(Math.max(0, steadyAfterSeconds * 1000 - (performance.now() - startedAt)));
    const bytes = await window('steady');
    if (isProfiled) await profileWindow(mesh, 'raft', profileOutput);
    const followers = mesh.filter(({ role }) => role === 'follower');
    return {
      leader: bytes.get(leader.self) ?? 0,
      follower: followers.reduce((sum, { id }) => sum + (bytes.get(id) ?? 0), 0) / followers.length,
    };
  } finally {
    await cluster.stop();
  }
}

/** A floor mesh, alone on the machine once the elector mesh has stopped, after a warm-up. */
async function measureFloor(
  kind: FloorKind,
  warmUpSeconds: number,
  output: BenchOutput,
  profileOutput: BenchOutput,
): Promise<void> {
  const floor = await startFloorMesh(kind);
  try {
    const startedAt = performance.now();
    await sleep(warmUpSeconds * 1000);
    const members: Measured[] = floor.map((child, index) => ({
      id: `floor-${index}`,
      pid: child.pid,
      role: index === floor.length - 1 ? 'leader' : 'follower',
    }));
    await measureWindow(
      members,
      (_member, openedAt) => ({
        backend: kind.backend,
        members: 3,
        window: 'steady',
        started_after_s: round((openedAt - startedAt) / 1000, 0),
      }),
      output,
    );
    if (isProfiled) await profileWindow(members, kind.backend, profileOutput);
  } finally {
    await Promise.all(floor.map((child) => child.kill()));
  }
}

async function main(): Promise<void> {
  if (isProfiled && !(await hasPerf())) {
    console.error(
      '--profile: needs perf (Debian: apt-get install linux-perf); perf --version failed',
    );
    process.exit(2);
  }
  const output = new BenchOutput('idle');
  const profileOutput = new BenchOutput('idle-profile');
  const writeBytes = await measureMesh(output, profileOutput);
  const frameBytes = Math.max(1, Math.round(writeBytes.leader));
  const replyBytes = Math.max(1, Math.round(writeBytes.follower));
  await measureFloor(nodeFloor(frameBytes, replyBytes), floorWarmUpSeconds, output, profileOutput);
  // It runs elector's code, which V8 optimises as slowly as in the mesh: the same warm-up.
  await measureFloor(wireFloor, steadyAfterSeconds, output, profileOutput);
  output.write();
  if (isProfiled) profileOutput.write();
}

await main();
