// Long simulation runs: `npm run sim -- --seeds 100000 [--from 1] [--workers 2]`, or replay one
// seed with its trace: `npm run sim -- --seed 123 --trace`.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runSeed } from './scenario.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10000' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    workers: { type: 'string', default: String(availableParallelism()) },
    worker: { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name}: expected a whole number ≥ 0; got "${text}"`);
    process.exit(2);
  }
  return value;
}

interface RangeSummary {
  readonly seeds: number;
  readonly faults: number;
  readonly leaderChanges: number;
  readonly rolls: number;
  readonly changesCommitted: number;
  readonly splitVotes: number;
  readonly elections: number;
  readonly failures: readonly { seed: number; violation: string; description: string }[];
}

function runRange(from: number, count: number): RangeSummary {
  let faults = 0;
  let leaderChanges = 0;
  let rolls = 0;
  let changesCommitted = 0;
  let splitVotes = 0;
  let elections = 0;
  const failures: { seed: number; violation: string; description: string }[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const outcome = runSeed(seed, { traceLimit: 0 });
    faults += outcome.faults;
    leaderChanges += outcome.leaderChanges;
    rolls += outcome.rolls;
    changesCommitted += outcome.changesCommitted;
    splitVotes += outcome.splitVotes;
    elections += outcome.elections;
    if (outcome.violation !== null)
      failures.push({ seed, violation: outcome.violation, description: outcome.description });
  }
  return {
    seeds: count,
    faults,
    leaderChanges,
    rolls,
    changesCommitted,
    splitVotes,
    elections,
    failures,
  };
}

async function runWorker(from: number, count: number): Promise<RangeSummary> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--worker', '--from', String(from), '--seeds', String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0)
    throw new Error(`worker for seeds ${from}..${from + count - 1} exited with ${String(code)}`);
  return JSON.parse(output) as RangeSummary;
}

async function main(): Promise<void> {
  if (values.seed !== undefined) {
    const outcome = runSeed(positiveInteger('seed', values.seed), {
      traceLimit: values.trace ? 100_000 : 0,
    });
    if (values.trace) console.log(outcome.trace.join('\n'));
    console.log(
      `seed ${outcome.seed} (${outcome.description}): ${outcome.violation ?? 'no violation'}`,
    );
    process.exitCode = outcome.violation === null ? 0 : 1;
    return;
  }
  const from = positiveInteger('from', values.from);
  const seeds = positiveInteger('seeds', values.seeds);
  if (values.worker) {
    process.stdout.write(JSON.stringify(runRange(from, seeds)));
    return;
  }
  const workers = Math.max(1, Math.min(positiveInteger('workers', values.workers), seeds));
  const started = Date.now();
  const share = Math.ceil(seeds / workers);
  const ranges = Array.from({ length: workers }, (_, index) => ({
    from: from + index * share,
    count: Math.max(0, Math.min(share, seeds - index * share)),
  })).filter((range) => range.count > 0);
  const summaries = await Promise.all(ranges.map((range) => runWorker(range.from, range.count)));
  const failures = summaries.flatMap((summary) => summary.failures);
  const total = (
    key: 'faults' | 'leaderChanges' | 'rolls' | 'changesCommitted' | 'splitVotes' | 'elections',
  ): number => summaries.reduce((sum, summary) => sum + summary[key], 0);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${seeds} seeds (${from}..${from + seeds - 1}) on ${workers} workers in ${seconds} s: ${total('faults')} faults injected (${total('rolls')} member-list rolls), ${total('leaderChanges')} leader changes, ${total('changesCommitted')} membership changes committed, ${total('splitVotes')} of ${total('elections')} contested terms had more than one candidate, ${failures.length} violations`,
  );
  for (const failure of failures.slice(0, 20)) {
    console.log(
      `seed ${failure.seed} (${failure.description}): ${failure.violation}\n  replay: npm run sim -- --seed ${failure.seed} --trace`,
    );
  }
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
