// npm run bench:failover [-- --backend raft|etcd|zookeeper|kubernetes --trials 30
//   --modes crash,graceful,workload,priority --handover-delay 1s]
// Failover of the real CLI on loopback: from the signal to the leader until a surviving member's
// API reports the new leader. Raft runs every mode at T = 500 ms and T = 1000 ms, with etcd's own
// Raft measured in the same run at both (--no-reference leaves it out). `priority`: a member
// restarted with a higher --priority, from answering HTTP until it leads (the figure includes
// --priority-handover-delay, reported as priority_handover_delay_ms). Writes
// bench/results/failover-<backend>.json. Format: shared/BENCH.md.
import { parseArgs } from 'node:util';
import { SidecarCluster } from '../lab/sidecar-cluster.js';
import { backendSetups, type BackendSetup } from './backend-setups.js';
import { measureEtcdRaftReference } from './etcd-reference.js';
import { measureEtcdctlElectReference } from './etcdctl-elect-reference.js';
import { runFailoverTrial } from './failover-trial.js';
import { preferredPriority, runPriorityTrial } from './priority-trial.js';
import { parseDurationMs } from '../src/config/duration.js';
import { startWorkloadServer, type WorkloadServer } from '../lab/workload-server.js';
import { runWorkloadTrial } from './workload-trial.js';
import { BenchOutput } from './output.js';
import { summary } from './stats.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'raft' },
    reference: { type: 'boolean', default: true },
    modes: { type: 'string', default: 'crash,graceful,workload,priority' },
    'handover-delay': { type: 'string', default: '1s' },
  },
  allowNegative: true,
});
const allModes = ['crash', 'graceful', 'workload', 'priority'] as const;
type Mode = (typeof allModes)[number];
const trials = Number(values.trials);
const modes = values.modes.split(',');
const handoverDelayMs = parseDurationMs(values['handover-delay']);
const problems = [
  Number.isInteger(trials) && trials >= 1
    ? null
    : `--trials: expected a whole number ≥ 1; got ${JSON.stringify(values.trials)}`,
  modes.every((mode) => (allModes as readonly string[]).includes(mode))
    ? null
    : `--modes: expected some of ${allModes.join(',')}; got ${JSON.stringify(values.modes)}`,
  handoverDelayMs === null
    ? `--handover-delay: expected a duration such as 1s or 500ms; got ${JSON.stringify(values['handover-delay'])}`
    : null,
].filter((problem) => problem !== null);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}
const runs = (mode: Mode): boolean => modes.includes(mode);
const setup: BackendSetup | undefined = backendSetups[values.backend];
if (setup === undefined) {
  console.error(
    `--backend: expected one of ${Object.keys(backendSetups).join(', ')}; got ${JSON.stringify(values.backend)}`,
  );
  process.exit(2);
}

async function main(chosen: BackendSetup): Promise<void> {
  const output = new BenchOutput('failover', `failover-${chosen.name}`);
  for (const variant of chosen.variants) {
    const infrastructure = await chosen.start(variant);
    try {
      for (const mode of (['crash', 'graceful'] as const).filter(runs)) {
        const cluster = await SidecarCluster.start({
          size: 3,
          backend: chosen.name,
          env: infrastructure.env,
          ...variant.clusterOptions,
        });
        try {
          const samples: number[] = [];
          let failed = 0;
          for (let index = 0; index < trials; index++) {
            const took = await runFailoverTrial(cluster, mode);
            if (took === null) failed++;
            else samples.push(took);
          }
          output.add({
            backend: chosen.name,
            mode,
            members: 3,
            trials,
            ...variant.fields,
            ...summary(samples),
            failed_trials: failed,
          });
        } finally {
          await cluster.stop();
        }
      }
      if (runs('priority')) await measurePriorityMode(output, chosen, variant, infrastructure.env);
    } finally {
      await infrastructure.stop();
    }
    if (chosen.name === 'raft' && runs('workload'))
      await measureWorkloadMode(output, variant, infrastructure.env);
    if (values.reference && chosen.name === 'raft') {
      const { heartbeat_ms: heartbeat, election_timeout_ms: election } = variant.fields as {
        heartbeat_ms: number;
        election_timeout_ms: number;
      };
      for (const row of await measureEtcdRaftReference(heartbeat, election, trials))
        output.add(row);
    }
  }
  if (values.reference && chosen.name === 'etcd') {
    for (const row of await measureEtcdctlElectReference(trials)) output.add(row);
  }
  output.write();
}

/**
 * The priority mode: 3 members at priority 0 with a short handover delay; each trial restarts one
 * follower with a higher priority and times it from answering HTTP until it leads. A member that
 * does not lead within the delay plus 15 s counts as a failed trial.
 */
async function measurePriorityMode(
  output: BenchOutput,
  chosen: BackendSetup,
  variant: (typeof backendSetups)[string]['variants'][number],
  env: Record<string, string>,
): Promise<void> {
  const delayMs = handoverDelayMs ?? 0;
  const cluster = await SidecarCluster.start({
    size: 3,
    backend: chosen.name,
    env: { ...env, ELECTOR_PRIORITY_HANDOVER_DELAY: `${delayMs}ms` },
    ...variant.clusterOptions,
  });
  try {
    const samples: number[] = [];
    let failed = 0;
    for (let index = 0; index < trials; index++) {
      const took = await runPriorityTrial(cluster, delayMs + 15_000);
      if (took === null) failed++;
      else samples.push(took);
    }
    output.add({
      backend: chosen.name,
      mode: 'priority',
      members: 3,
      trials,
      ...variant.fields,
      priority: preferredPriority,
      priority_handover_delay_ms: delayMs,
      ...summary(samples),
      failed_trials: failed,
    });
  } finally {
    await cluster.stop();
  }
}

/** Health check 50 ms × 2 failures + 50 ms timeout: the detection bound the target is built on. */
const healthPeriodMs = 50;
const healthFailureThreshold = 2;

async function measureWorkloadMode(
  output: BenchOutput,
  variant: (typeof backendSetups)[string]['variants'][number],
  env: Record<string, string>,
): Promise<void> {
  const cluster = await SidecarCluster.start({ size: 3, env, ...variant.clusterOptions });
  const workloads = new Map<string, WorkloadServer>();
  try {
    for (const member of cluster.members) {
      const workload = await startWorkloadServer({ state: 'healthy' });
      workloads.set(member.id, workload);
      member.extraEnv = {
        ELECTOR_HEALTH_HTTP_URL: workload.healthUrl,
        ELECTOR_HEALTH_PERIOD: `${healthPeriodMs}ms`,
        ELECTOR_HEALTH_TIMEOUT: `${healthPeriodMs}ms`,
        ELECTOR_HEALTH_FAILURE_THRESHOLD: String(healthFailureThreshold),
      };
      await cluster.stopMember(member.id, 'SIGKILL');
      cluster.startMember(member.id);
    }
    const samples: number[] = [];
    let failed = 0;
    for (let index = 0; index < trials; index++) {
      const took = await runWorkloadTrial(cluster, workloads);
      if (took === null) failed++;
      else samples.push(took);
    }
    output.add({
      backend: 'raft',
      mode: 'workload',
      members: 3,
      trials,
      ...variant.fields,
      health_period_ms: healthPeriodMs,
      health_failure_threshold: healthFailureThreshold,
      ...summary(samples),
      failed_trials: failed,
    });
  } finally {
    await cluster.stop();
    await Promise.all([...workloads.values()].map((workload) => workload.close()));
  }
}

await main(setup);
