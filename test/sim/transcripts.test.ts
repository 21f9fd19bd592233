import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { transcriptOf, transcriptScenarios } from './transcripts.js';

// Golden transcripts (test/sim/testdata/*.txt): UPDATE_GOLDEN=1 rewrites them; read the diff.
const isUpdating = process.env.UPDATE_GOLDEN === '1';

for (const scenario of transcriptScenarios) {
  test(`transcript ${scenario.name}: ${scenario.description}`, () => {
    const file = new URL(`./testdata/${scenario.name}.txt`, import.meta.url);
    const actual = transcriptOf(scenario);
    assert.doesNotMatch(actual, /VIOLATION/, 'the scripted run broke an invariant');
    if (isUpdating) {
      writeFileSync(file, actual);
      return;
    }
    const expected = readFileSync(file, 'utf8');
    assert.equal(
      actual,
      expected,
      `the run no longer matches testdata/${scenario.name}.txt; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff`,
    );
  });
}

test('a transcript is the same on every run (the simulator is deterministic)', () => {
  for (const scenario of transcriptScenarios) {
    assert.equal(transcriptOf(scenario), transcriptOf(scenario), scenario.name);
  }
});
