import {
  runCutAfterAppend,
  runRollWithOldSideCut,
  runStaleCandidate,
  type DirectedOptions,
  type DirectedOutcome,
} from './directed.js';
import {
  runCutAfterTransfer,
  runIsolatedLeader,
  runLateAcks,
  runOneSidedCut,
  runRestartedVoter,
  runSlowLeaderClock,
  runTransferToStaleTarget,
  runTwinCandidates,
} from './margins.js';
import type { MarginOptions } from './margin-setup.js';

/** A directed scenario by name: what the mutation suite and the margin tests run. */
export interface DirectedScenario {
  readonly name: string;
  readonly run: (seed: number, options: DirectedOptions & MarginOptions) => DirectedOutcome;
}

/** The safety margins of the core, each at its edge (margins.ts). */
export const marginScenarios: readonly DirectedScenario[] = [
  { name: 'slow leader clock (drift factor)', run: runSlowLeaderClock },
  { name: 'late acknowledgements (lease from send time)', run: runLateAcks },
  {
    name: 'twin candidates (one vote per term, persisted before it is sent)',
    run: runTwinCandidates,
  },
  { name: 'cut after transfer (transfer steps down first)', run: runCutAfterTransfer },
  {
    name: 'transfer to a stale target (the old leader votes ahead only for an up-to-date one)',
    run: runTransferToStaleTarget,
  },
  { name: 'isolated leader (check-quorum)', run: runIsolatedLeader },
  { name: 'restarted voter (stickiness after start-up)', run: runRestartedVoter },
  { name: 'one-sided cut (pre-vote lease check, leader stickiness)', run: runOneSidedCut },
];

export const directedScenarios: readonly DirectedScenario[] = [
  ...marginScenarios,
  { name: 'roll with the old side cut', run: runRollWithOldSideCut },
  { name: 'cut after append', run: runCutAfterAppend },
  { name: 'stale candidate', run: runStaleCandidate },
];
