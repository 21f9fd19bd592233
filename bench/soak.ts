// npm run soak -- --minutes N [--backend raft|etcd|zookeeper|kubernetes] [--members 3|5] [--seed S] [--quiet]
// The fault campaign of test/faults (real processes in network namespaces, seeded random
// faults, the leadership checker and the fenced workload), run for longer. Needs root (ip netns).
// Exits 1 if the checker finds a violation or the campaign cannot go on; the history is saved.
import { parseArgs } from 'node:util';
import { assertLeadershipHeld } from '../lab/faults/checker.js';
import { campaignSeed, runCampaign } from '../lab/faults/campaign.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    members: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'raft' },
    lease: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const members = Number(values.members);
if (!(minutes > 0 && minutes <= 24 * 60)) {
  console.error(`--minutes: expected a number in (0, 1440]; got ${JSON.stringify(values.minutes)}`);
  process.exit(2);
}
if (members !== 3 && members !== 5) {
  console.error(`--members: expected 3 or 5; got ${JSON.stringify(values.members)}`);
  process.exit(2);
}
const backends = ['raft', 'etcd', 'zookeeper', 'kubernetes'] as const;
const backend = backends.find((name) => name === values.backend);
if (backend === undefined) {
  console.error(
    `--backend: expected one of ${backends.join(', ')}; got ${JSON.stringify(values.backend)}`,
  );
  process.exit(2);
}
const leaseMs = Number(values.lease);
if (!(Number.isInteger(leaseMs) && leaseMs >= 1000 && leaseMs <= 60_000)) {
  console.error(
    `--lease: expected ms in [1000, 60000] (etcd TTL, ZooKeeper session, Lease duration); got ${JSON.stringify(values.lease)}`,
  );
  process.exit(2);
}
if (values.seed !== undefined) process.env.ELECTOR_SEED = values.seed;
const seed = campaignSeed();
console.log(
  `soak: ${minutes} min, ${backend}, ${members} members, seed ${seed} (--seed ${seed} replays the faults)`,
);

const startedAt = performance.now();
try {
  const report = await runCampaign({
    seed,
    durationMs: minutes * 60_000,
    size: members,
    backend,
    ...(backend === 'raft' ? {} : { electionTimeoutMs: leaseMs }),
    prefix: 'elxw',
    subnet: 74,
    log: (line) => {
      if (!values.quiet) {
        console.log(
          `${((performance.now() - startedAt) / 1000).toFixed(1).padStart(7)} s  ${line}`,
        );
      }
    },
  });
  console.log(report.summary);
  assertLeadershipHeld(report.history, `soak-seed-${seed}`);
  if (report.sharedTokens.length > 0) {
    throw new Error(`tokens accepted from two writers: ${JSON.stringify(report.sharedTokens)}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
