// The test command StrykerJS runs once per mutant of src/core (see stryker.config.json): every
// core unit test and a short simulator run, in one process, so that a mutant costs one tsx
// start-up instead of one per test file. Exits non-zero as soon as the simulator finds a
// violation; node:test sets the exit code for the unit tests.
import '../../test/unit/core/raft/config.test.js';
import '../../test/unit/core/raft/configuration.test.js';
import '../../test/unit/core/raft/desire.test.js';
import '../../test/unit/core/raft/discovery.test.js';
import '../../test/unit/core/raft/election.test.js';
import '../../test/unit/core/raft/follower.test.js';
import '../../test/unit/core/raft/founding.test.js';
import '../../test/unit/core/raft/heartbeat.test.js';
import '../../test/unit/core/raft/leader.test.js';
import '../../test/unit/core/raft/leader-role.test.js';
import '../../test/unit/core/raft/leadership-view.test.js';
import '../../test/unit/core/raft/membership.test.js';
import '../../test/unit/core/raft/membership-view.test.js';
import '../../test/unit/core/raft/messages.test.js';
import '../../test/unit/core/raft/node.test.js';
import '../../test/unit/core/raft/preemption.test.js';
import '../../test/unit/core/raft/properties.test.js';
import '../../test/unit/core/raft/state.test.js';
import '../../test/unit/core/raft/step-context.test.js';
import '../../test/unit/core/raft/succession.test.js';
import '../../test/unit/core/raft/term-rule.test.js';
import '../../test/unit/core/raft/transfer.test.js';
import '../../test/unit/core/error-codes-doc.test.js';
import '../../test/unit/core/errors.test.js';
import '../../test/unit/core/election-events.test.js';
import '../../test/unit/core/random.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed } from '../../test/sim/scenario.js';
import { directedScenarios } from '../../test/sim/directed-catalogue.js';
import { marginMutations } from '../../test/sim/margin-mutations.js';

const randomSeeds = Number(process.env.ELECTOR_MUTATION_SIM_SEEDS ?? 15);
const directedSeeds = Number(process.env.ELECTOR_MUTATION_DIRECTED_SEEDS ?? 2);

test(`the simulator finds no violation in ${randomSeeds} random seeds`, () => {
  for (let seed = 1; seed <= randomSeeds; seed++) {
    const { violation } = runSeed(seed, { traceLimit: 0 });
    assert.equal(violation, null, `seed ${seed}`);
  }
});

test(`the directed scenarios find no violation in ${directedSeeds} seeds each`, () => {
  for (const scenario of directedScenarios) {
    for (let seed = 1; seed <= directedSeeds; seed++) {
      const { violation } = scenario.run(seed, { traceLimit: 0 });
      assert.equal(violation, null, `${scenario.name} seed ${seed}`);
    }
  }
});

test('each margin removed by its switch is caught by its directed schedule', () => {
  for (const { name, run, options, expect, seeds } of marginMutations) {
    let isCaught = false;
    for (let seed = 1; seed <= seeds && !isCaught; seed++) {
      const { violation } = run(seed, { ...options, traceLimit: 0 });
      isCaught = violation !== null && expect.test(violation);
    }
    assert.ok(isCaught, name);
  }
});
