import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectedOutcome } from './directed.js';
import { runPreemption, runRankedCrash, type SuccessionOptions } from './succession.js';

const seeds = Number(process.env.ELECTOR_SUCCESSION_SEEDS ?? 200);

function requireClean(
  run: (seed: number, options: SuccessionOptions) => DirectedOutcome,
  count: number,
): void {
  for (let seed = 1; seed <= count; seed++) {
    const outcome = run(seed, { traceLimit: 0 });
    if (outcome.violation === null) continue;
    const replay = run(seed, {});
    assert.fail(
      [
        `seed ${seed} (${replay.description}): ${replay.violation ?? 'ok'}`,
        ...replay.trace.slice(-60),
      ].join('\n'),
    );
  }
}

test(`after a leader crash the first of its succession, alone, campaigns and leads (${seeds} seeds)`, () => {
  requireClean(runRankedCrash, seeds);
});

test(`a higher priority takes over after its window, never while it comes and goes (${seeds / 4} seeds)`, () => {
  requireClean(runPreemption, seeds / 4);
});
