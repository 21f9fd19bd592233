import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed, type SeedOptions } from './scenario.js';

/**
 * A simulator that finds nothing when the code is broken proves nothing. Each case disables
 * one safeguard and requires the simulator to find the violation it exists to prevent.
 */
function firstViolation(
  options: SeedOptions,
  maxSeeds: number,
): { seed: number; violation: string } | null {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const { violation } = runSeed(seed, { ...options, traceLimit: 0 });
    if (violation !== null) return { seed, violation };
  }
  return null;
}

const cases: readonly { name: string; options: SeedOptions; expect: RegExp }[] = [
  {
    name: 'without pre-vote, a rejoining member deposes the leader',
    options: { mutations: { skipPreVote: true } },
    expect: /disturbed leader/,
  },
  {
    name: 'without check-quorum, a cut-off leader keeps leading',
    options: { mutations: { skipCheckQuorum: true } },
    expect: /without majority contact/,
  },
  {
    name: 'without persisting the vote, a restarted member votes twice and a term gets two leaders',
    options: { forgetVoteOnRestart: true },
    expect: /two leaders in term/,
  },
  {
    name: 'without leader stickiness, a new leader acts while the old lease is live',
    options: { mutations: { skipLeaderStickiness: true } },
    expect: /disturbed leader|started acting|extended its lease|fencing token/,
  },
  {
    name: 'with the lease measured from ack receipt instead of heartbeat send, acting intervals overlap',
    options: { mutations: { leaseFromAckReceipt: true } },
    expect: /started acting|extended its lease|fencing token/,
  },
];

for (const { name, options, expect } of cases) {
  test(`the simulator finds it: ${name}`, () => {
    const found = firstViolation(options, 3000);
    assert.ok(found !== null, 'no violation found in 3000 seeds');
    assert.match(found.violation, expect, `seed ${found.seed}: ${found.violation}`);
  });
}
