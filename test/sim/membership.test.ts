import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  runCutAfterAppend,
  runRollWithOldSideCut,
  runScaleDownToOne,
  runStaleCandidate,
  type DirectedOutcome,
} from './directed.js';

const seeds = Number(process.env.ELECTOR_DIRECTED_SEEDS ?? 300);

function report(outcome: DirectedOutcome, replay: string): string {
  return [
    `seed ${outcome.seed} (${outcome.description}): ${outcome.violation ?? 'ok'}`,
    replay,
    ...outcome.trace.slice(-60),
  ].join('\n');
}

function runAll(run: (seed: number, options: { traceLimit?: number }) => DirectedOutcome): void {
  for (let seed = 1; seed <= seeds; seed++) {
    const outcome = run(seed, { traceLimit: 0 });
    if (outcome.violation !== null) {
      assert.fail(report(run(seed, {}), `replay: this test with ELECTOR_DIRECTED_SEEDS=${seed}`));
    }
  }
}

test(`a 3 -> 5 roll whose old-list members are cut off mid-change never has two leaders, and settles on five (${seeds} seeds)`, () => {
  runAll(runRollWithOldSideCut);
});

test(`a cut right after the leader appends a change never has two leaders, and the change completes after healing (${seeds} seeds)`, () => {
  runAll(runCutAfterAppend);
});

test(`a member that missed a change never wins with its old configuration (${seeds} seeds)`, () => {
  runAll(runStaleCandidate);
});

test(`a scale-down to one pod, the leader deleted last, removes every member and settles on one (${seeds} seeds)`, () => {
  runAll(runScaleDownToOne);
});
