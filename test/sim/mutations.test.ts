import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCutAfterAppend, runStaleCandidate, type DirectedOutcome } from './directed.js';
import { marginMutations, overlap } from './margin-mutations.js';
import { runSeed, type SeedOptions } from './scenario.js';
import { runRankedCrash } from './succession.js';

/**
 * A simulator that finds nothing when the code is broken proves nothing. Each case disables
 * one safeguard and requires the simulator to find the violation it exists to prevent, within
 * the seeds `npm test` runs: the random soak for the first cases, a directed schedule that
 * pushes the margin to its edge (margins.ts, directed.ts) for the rest.
 */
type Run = (seed: number, options: SeedOptions) => { readonly violation: string | null };

function firstViolation(run: Run, options: SeedOptions, maxSeeds: number, expect: RegExp) {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const { violation } = run(seed, { ...options, traceLimit: 0 });
    if (violation !== null && expect.test(violation)) return { seed, violation };
  }
  return null;
}

const directed = (run: (seed: number, options: SeedOptions) => DirectedOutcome): Run => run;

const cases: readonly {
  name: string;
  run: Run;
  options: SeedOptions;
  expect: RegExp;
  seeds: number;
}[] = [
  {
    name: 'without pre-vote, a rejoining member deposes the leader',
    run: runSeed,
    options: { mutations: { skipPreVote: true } },
    expect: /disturbed leader/,
    seeds: 3000,
  },
  {
    name: 'without check-quorum, a cut-off leader keeps leading',
    run: runSeed,
    options: { mutations: { skipCheckQuorum: true } },
    expect: /without contact with a quorum/,
    seeds: 3000,
  },
  {
    name: 'without persisting the vote, a restarted member votes twice and a term gets two leaders',
    run: runSeed,
    options: { forgetVoteOnRestart: true },
    expect: /two leaders in term/,
    seeds: 3000,
  },
  {
    name: 'without leader stickiness, a new leader acts while the old lease is live',
    run: runSeed,
    options: { mutations: { skipLeaderStickiness: true } },
    expect: /disturbed leader|started acting|extended its lease|fencing token/,
    seeds: 3000,
  },
  {
    name: 'with the lease measured from ack receipt instead of heartbeat send, acting intervals overlap',
    run: runSeed,
    options: { mutations: { leaseFromAckReceipt: true } },
    expect: overlap,
    seeds: 3000,
  },
  {
    name: 'changing the member set without a joint entry lets two leaders act when the cut comes right after the change',
    run: directed(runCutAfterAppend),
    options: { mutations: { skipJointConsensus: true } },
    expect: overlap,
    seeds: 300,
  },
  {
    name: 'founding a cluster without every member of the list lets two clusters elect two leaders',
    run: runSeed,
    options: { mutations: { skipFoundingRule: true }, checkFounding: false },
    expect: overlap,
    seeds: 3000,
  },
  {
    name: 'founding a cluster without every member of the list is caught as a second founding',
    run: runSeed,
    options: { mutations: { skipFoundingRule: true } },
    expect: /two clusters founded/,
    seeds: 3000,
  },
  {
    name: 'granting votes whatever the candidate configuration lets a member that missed a change lead beside the leader',
    run: directed(runStaleCandidate),
    options: { mutations: { skipConfigurationCheck: true } },
    expect: overlap,
    seeds: 300,
  },
  {
    name: 'two ranks campaigning at the same instant split the vote after a leader crash',
    run: directed(runRankedCrash),
    options: { mutations: { shareCandidacySlot: true } },
    expect: /split vote/,
    seeds: 300,
  },
  ...marginMutations,
];

for (const { name, run, options, expect, seeds } of cases) {
  test(`the simulator finds it: ${name}`, (context) => {
    const started = Date.now();
    const found = firstViolation(run, options, seeds, expect);
    assert.ok(found !== null, `no violation matching ${String(expect)} in ${seeds} seeds`);
    context.diagnostic(
      `caught at seed ${found.seed} of ${seeds} in ${Date.now() - started} ms: ${found.violation}`,
    );
  });
}
