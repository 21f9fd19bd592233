import {
  runCutAfterAppend,
  runRollWithOldSideCut,
  runStaleCandidate,
  type DirectedOptions,
  type DirectedOutcome,
} from './directed.js';

/** A directed scenario by name: what the mutation suite and the margin tests run. */
export interface DirectedScenario {
  readonly name: string;
  readonly run: (seed: number, options: DirectedOptions) => DirectedOutcome;
}

export const directedScenarios: readonly DirectedScenario[] = [
  { name: 'roll with the old side cut', run: runRollWithOldSideCut },
  { name: 'cut after append', run: runCutAfterAppend },
  { name: 'stale candidate', run: runStaleCandidate },
];
