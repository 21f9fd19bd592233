// npm run bench:idle [-- --seconds 60 --steady-after 240]
// RSS and CPU of each member of an idle 3-member Raft mesh (the built CLI), read from /proc: once
// in the first window after the election, and once more after the processes have run for a while.
// V8 optimises the per-heartbeat code only after it has run many times, so a sidecar's CPU in its
// first minute is well above what it uses for the rest of its life; both are reported.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { SidecarCluster } from '../lab/sidecar-cluster.js';
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
    const startedAt = performance.now();
    const pids = cluster.members.map((member) => ({ id: member.id, pid: member.child?.pid ?? 0 }));
    const measureWindow = async (window: 'first' | 'steady'): Promise<void> => {
      const cpuBefore = pids.map(({ pid }) => cpuSeconds(pid));
      const openedAt = performance.now();
      await sleep(seconds * 1000);
      const elapsed = (performance.now() - openedAt) / 1000;
      const after = await cluster.waitForAgreedLeader('the same leader after the window', 5000);
      pids.forEach(({ id, pid }, index) => {
        output.add({
          backend: 'raft',
          members: 3,
          window,
          started_after_s: round((openedAt - startedAt) / 1000, 0),
          member_role: id === leader.self ? 'leader' : 'follower',
          seconds: round(elapsed, 1),
          rss_mb: round(rssMegabytes(pid), 1),
          cpu_percent: round(((cpuSeconds(pid) - (cpuBefore[index] ?? 0)) / elapsed) * 100, 2),
          leader_unchanged:
            after.self === leader.self && after.fencingToken === leader.fencingToken,
        });
      });
    };
    await measureWindow('first');
    await sleep(Math.max(0, steadyAfterSeconds * 1000 - (performance.now() - startedAt)));
    await measureWindow('steady');
  } finally {
    await cluster.stop();
  }
  output.write();
}

await main();
