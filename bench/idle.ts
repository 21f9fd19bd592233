// npm run bench:idle [-- --seconds 60]
// RSS and CPU of each member of an idle 3-member Raft mesh (the built CLI), read from /proc.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SidecarCluster } from '../test/helpers/sidecar-cluster.js';
import { BenchOutput } from './output.js';
import { round } from './stats.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds: expected a positive number; got ${JSON.stringify(values.seconds)}`);
  process.exit(2);
}

const clockTicksPerSecond = 100;

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

async function main(): Promise<void> {
  const output = new BenchOutput('idle');
  const cluster = await SidecarCluster.start({ size: 3 });
  try {
    const leader = await cluster.waitForAgreedLeader('a leader before measuring', 20_000);
    // Let start-up work (module loading, JIT) settle before the window opens.
    await cluster.waitForAgreedLeader('the mesh still agrees after warm-up', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const pids = cluster.members.map((member) => ({ id: member.id, pid: member.child?.pid ?? 0 }));
    const cpuBefore = pids.map(({ pid }) => cpuSeconds(pid));
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const elapsed = (performance.now() - startedAt) / 1000;
    const after = await cluster.waitForAgreedLeader('the same leader after the idle window', 5000);
    pids.forEach(({ id, pid }, index) => {
      output.add({
        backend: 'raft',
        members: 3,
        member_role: id === leader.self ? 'leader' : 'follower',
        seconds: round(elapsed, 1),
        rss_mb: round(rssMegabytes(pid), 1),
        cpu_percent: round(((cpuSeconds(pid) - (cpuBefore[index] ?? 0)) / elapsed) * 100, 2),
        leader_unchanged: after.self === leader.self && after.fencingToken === leader.fencingToken,
      });
    });
  } finally {
    await cluster.stop();
  }
  output.write();
}

await main();
