import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed, type SeedOutcome } from './scenario.js';

const seedCount = Number(process.env.ELECTOR_SIM_SEEDS ?? 2000);
const firstSeed = Number(process.env.ELECTOR_SEED ?? 1);

function report(outcome: SeedOutcome): string {
  return [
    `seed ${outcome.seed} (${outcome.description}): ${outcome.violation ?? 'ok'}`,
    `replay: npm run sim -- --seed ${outcome.seed} --trace`,
    ...outcome.trace.slice(-60),
  ].join('\n');
}

test(`no safety or liveness violation across ${seedCount} seeds from seed ${firstSeed}`, () => {
  let faults = 0;
  let leaderChanges = 0;
  let rolls = 0;
  let changes = 0;
  for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
    const outcome = runSeed(seed, { traceLimit: 0 });
    if (outcome.violation !== null) {
      assert.fail(report(runSeed(seed)));
    }
    faults += outcome.faults;
    leaderChanges += outcome.leaderChanges;
    rolls += outcome.rolls;
    changes += outcome.changesCommitted;
  }
  assert.ok(faults > seedCount * 5, `expected many faults, got ${faults}`);
  assert.ok(leaderChanges > seedCount, `expected failovers to happen, got ${leaderChanges}`);
  assert.ok(rolls > seedCount / 2, `expected member-list rolls, got ${rolls}`);
  assert.ok(changes > seedCount / 2, `expected committed membership changes, got ${changes}`);
});

test('a seed replays exactly', () => {
  assert.deepEqual(runSeed(4242), runSeed(4242));
});
