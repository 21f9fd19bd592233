// npm run bench [-- --trials N --idle-seconds S]
// The whole benchmark suite, one benchmark after another (they would disturb each other's timing
// if run together): bench:failover on every backend, bench:labels, bench:idle, bench:scale. Each
// runs as its own process and writes its own bench/results/<file>.json (failover-<backend>.json,
// labels.json, idle.json, scale.json); this collects every
// scenario into bench/results/suite.json and ends its output with all of them (shared/BENCH.md).
// With --trials, every benchmark runs that many trials instead of its default.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    trials: { type: 'string' },
    'idle-seconds': { type: 'string', default: '60' },
  },
});
const problems = [
  values.trials === undefined || /^[1-9]\d*$/.test(values.trials)
    ? null
    : `--trials: expected a whole number ≥ 1; got ${JSON.stringify(values.trials)}`,
  /^[1-9]\d*$/.test(values['idle-seconds'])
    ? null
    : `--idle-seconds: expected a whole number ≥ 1; got ${JSON.stringify(values['idle-seconds'])}`,
].filter((problem) => problem !== null);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}
const trials = values.trials === undefined ? [] : ['--trials', values.trials];

/** One benchmark process: its script, its arguments and the results file it writes. */
interface Run {
  readonly script: string;
  readonly args: readonly string[];
  readonly file: string;
}

const runs: readonly Run[] = [
  ...['raft', 'etcd', 'zookeeper', 'kubernetes'].map((backend) => ({
    script: 'failover',
    args: ['--backend', backend, ...trials],
    file: `failover-${backend}`,
  })),
  { script: 'labels', args: trials, file: 'labels' },
  { script: 'idle', args: ['--seconds', values['idle-seconds']], file: 'idle' },
  { script: 'scale', args: trials, file: 'scale' },
];

const results = fileURLToPath(new URL('./results/', import.meta.url));
const scenarios: unknown[] = [];
const failed: string[] = [];
for (const run of runs) {
  const what = `bench:${run.script} ${run.args.join(' ')}`.trim();
  console.error(`--- ${what}`);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`./${run.script}.ts`, import.meta.url)), ...run.args],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (child.status !== 0) {
    failed.push(`${what} (exit ${String(child.status ?? child.signal)})`);
    continue;
  }
  const written = JSON.parse(readFileSync(`${results}${run.file}.json`, 'utf8')) as unknown[];
  scenarios.push(...written);
}
mkdirSync(results, { recursive: true });
writeFileSync(`${results}suite.json`, `${JSON.stringify(scenarios, null, 2)}\n`);
if (failed.length > 0) console.error(`could not run: ${failed.join('; ')}`);
for (const scenario of scenarios) process.stdout.write(`${JSON.stringify(scenario)}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
