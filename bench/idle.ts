// npm run bench:idle [-- --seconds 60 --steady-after 240]
// RSS and CPU of each member of an idle 3-member Raft mesh (the built CLI), read from /proc: once
// in the first window after the election, and once more after the processes have run for a while.
// V8 optimises the per-heartbeat code only after it has run many times, so a sidecar's CPU in its
// first minute is well above what it uses for the rest of its life; both are reported.
// In the steady window a floor mesh runs beside it (bench/idle-floor-member.mjs): three bare
// Node.js processes that move bytes at the same rate and in writes of the same mean size as the
// mesh did in its first window, and do nothing else. Its rows (backend "node-floor") are the part
// of the idle cost that the runtime and the kernel take for the traffic alone.
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

async function main(): Promise<void> {
  const output = new BenchOutput('idle');
  const cluster = await SidecarCluster.start({ size: 3 });
  let floor: Child[] = [];
  try {
    const leader = await cluster.waitForAgreedLeader('a leader before measuring', 20_000);
    const startedAt = performance.now();
    const mesh: Measured[] = cluster.members.map((member) => ({
      id: member.id,
      pid: member.child?.pid ?? 0,
      role: member.id === leader.self ? 'leader' : 'follower',
    }));
    const measureWindow = async (
      window: 'first' | 'steady',
      floorMembers: readonly Measured[],
    ): Promise<Map<string, number>> => {
      const measured = [...mesh, ...floorMembers];
      const cpuBefore = measured.map(({ pid }) => cpuSeconds(pid));
      const writesBefore = measured.map(({ pid }) => writeCounters(pid));
      const openedAt = performance.now();
      await sleep(seconds * 1000);
      const elapsed = (performance.now() - openedAt) / 1000;
      const after = await cluster.waitForAgreedLeader('the same leader after the window', 5000);
      const writeBytes = new Map<string, number>();
      measured.forEach(({ id, pid, role }, index) => {
        const isFloor = index >= mesh.length;
        const writes = writeCounters(pid);
        const calls = writes.calls - (writesBefore[index]?.calls ?? 0);
        const meanWriteBytes =
          calls > 0 ? (writes.bytes - (writesBefore[index]?.bytes ?? 0)) / calls : 0;
        writeBytes.set(id, meanWriteBytes);
        output.add({
          backend: isFloor ? 'node-floor' : 'raft',
          members: 3,
          window,
          started_after_s: round((openedAt - startedAt) / 1000, 0),
          member_role: role,
          seconds: round(elapsed, 1),
          rss_mb: round(rssMegabytes(pid), 1),
          cpu_percent: round(((cpuSeconds(pid) - (cpuBefore[index] ?? 0)) / elapsed) * 100, 2),
          writes_per_s: round(calls / elapsed, 1),
          bytes_per_write: round(meanWriteBytes, 0),
          leader_unchanged:
            isFloor || (after.self === leader.self && after.fencingToken === leader.fencingToken),
        });
      });
      return writeBytes;
    };
    const firstBytes = await measureWindow('first', []);
    const followerBytes = mesh
      .filter(({ role }) => role === 'follower')
      .map(({ id }) => firstBytes.get(id) ?? 0);
    floor = await startFloorMesh(
      Math.max(1, Math.round(firstBytes.get(leader.self) ?? 0)),
      Math.max(
        1,
        Math.round(followerBytes.reduce((sum, bytes) => sum + bytes, 0) / followerBytes.length),
      ),
    );
    const floorMembers: Measured[] = floor.map((child, index) => ({
      id: `floor-${index}`,
      pid: child.pid,
      role: index === floor.length - 1 ? 'leader' : 'follower',
    }));
    await sleep(Math.max(0, steadyAfterSeconds * 1000 - (performance.now() - startedAt)));
    await measureWindow('steady', floorMembers);
  } finally {
    await Promise.all(floor.map((child) => child.kill()));
    await cluster.stop();
  }
  output.write();
}

await main();
