// npm run bench:idle [-- --seconds 60 --steady-after 240]
// RSS and CPU of each member of an idle 3-member Raft mesh (the built CLI), read from /proc: once
// in the first window after the election, and once more after the processes have run for a while.
// V8 optimises the per-heartbeat code only after it has run many times, so a sidecar's CPU in its
// first minute is well above what it uses for the rest of its life; both are reported.
// Then, with the mesh stopped, a floor mesh (bench/idle-floor-member.mjs): three bare Node.js
// processes that move bytes at the same rate and in writes of the same mean size as the mesh did
// in its steady window, and do nothing else. Its rows (backend "node-floor") are the part of the
// idle cost that the runtime and the kernel take for the traffic alone. It runs alone, not beside
// the mesh: beside it, it shifted one follower's figure by half a percent.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startChild, type Child } from '../lab/child.js';
import { freePorts } from '../lab/free-port.js';
import { SidecarCluster } from '../lab/sidecar-cluster.js';
import { waitFor } from '../lab/wait-for.js';
import { BenchOutput } from './output.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'steady-after': { type: 'string', default: '240' },
  },
});
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
/** How long the floor runs before its window opens (it has little code for V8 to warm up). */
const floorWarmUpSeconds = 20;
const floorMemberScript = fileURLToPath(new URL('./idle-floor-member.mjs', import.meta.url));

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
async function startFloorMesh(frameBytes: number, replyBytes: number): Promise<Child[]> {
  const ports = await freePorts(2);
  const started: Child[] = [];
  const start = (args: readonly string[], ready: string): Promise<unknown> => {
    const child = startChild(process.execPath, [floorMemberScript, ...args]);
    started.push(child);
    return waitFor(() => child.output().includes(ready), {
      timeoutMs: 10_000,
      what: `the floor ${args[0] ?? ''} to say "${ready}"; output: ${child.output()}`,
    });
  };
  try {
    for (const port of ports)
      await start(['follower', String(port), String(replyBytes)], 'listening');
    const leaderArgs = ['leader', String(heartbeatIntervalMs), String(frameBytes)];
    await start([...leaderArgs, ...ports.map(String)], 'sending');
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
      writes_per_s: round(calls / elapsed, 1),
      bytes_per_write: round(bytes, 0),
    });
  });
  return meanWriteBytes;
}

/** The elector mesh's two windows; resolves with the mean write size of each member in the steady one. */
async function measureMesh(output: BenchOutput): Promise<{ leader: number; follower: number }> {
  const cluster = await SidecarCluster.start({ size: 3 });
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
    const followers = mesh.filter(({ role }) => role === 'follower');
    return {
      leader: bytes.get(leader.self) ?? 0,
      follower: followers.reduce((sum, { id }) => sum + (bytes.get(id) ?? 0), 0) / followers.length,
    };
  } finally {
    await cluster.stop();
  }
}

/** The floor mesh, alone on the machine once the elector mesh has stopped, after a warm-up. */
async function measureFloor(
  output: BenchOutput,
  writeBytes: { leader: number; follower: number },
): Promise<void> {
  const floor = await startFloorMesh(
    Math.max(1, Math.round(writeBytes.leader)),
    Math.max(1, Math.round(writeBytes.follower)),
  );
  try {
    const startedAt = performance.now();
    await sleep(floorWarmUpSeconds * 1000);
    const members: Measured[] = floor.map((child, index) => ({
      id: `floor-${index}`,
      pid: child.pid,
      role: index === floor.length - 1 ? 'leader' : 'follower',
    }));
    await measureWindow(
      members,
      (_member, openedAt) => ({
        backend: 'node-floor',
        members: 3,
        window: 'steady',
        started_after_s: round((openedAt - startedAt) / 1000, 0),
      }),
      output,
    );
  } finally {
    await Promise.all(floor.map((child) => child.kill()));
  }
}

async function main(): Promise<void> {
  const output = new BenchOutput('idle');
  await measureFloor(output, await measureMesh(output));
  output.write();
}

await main();
