import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marginScenarios } from './directed-catalogue.js';

/**
 * Every safety margin of the core at its edge, with the margin in place: no violation, and a
 * leader once the network heals. mutations.test.ts removes each margin and requires the same
 * scenarios to find the harm.
 */
const seeds = Number(process.env.ELECTOR_MARGIN_SEEDS ?? 25);

for (const { name, run } of marginScenarios) {
  test(`at the edge of its margin, ${name} stays safe and live (${seeds} seeds)`, () => {
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = run(seed, { traceLimit: 0 });
      if (outcome.violation !== null) {
        const replay = run(seed, {});
        assert.fail(
          [
            `seed ${seed} (${replay.description}): ${replay.violation ?? 'ok'}`,
            ...replay.trace.slice(-60),
          ].join('\n'),
        );
      }
    }
  });
}
