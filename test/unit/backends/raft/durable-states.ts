import { foundingConfiguration } from '../../../../src/core/raft/configuration.js';
import { initialDurableState, type DurableState } from '../../../../src/core/raft/state.js';

/** A durable state with this term and vote and nothing else (a member that never founded). */
export function stateWith(term: number, votedFor: string | null): DurableState {
  return { ...initialDurableState, term, votedFor };
}

/** A member of a cluster that changed its member set once and is mid-way through a second change. */
export const memberState: DurableState = {
  term: 9,
  votedFor: 'pod-1',
  configuration: {
    index: 6,
    term: 9,
    version: 4,
    voters: ['pod-0', 'pod-1', 'pod-2', 'pod-3', 'pod-4'],
    outgoing: ['pod-0', 'pod-1', 'pod-2'],
  },
  promise: null,
  startedWith: { members: ['pod-0', 'pod-1', 'pod-2', 'pod-3', 'pod-4'], counter: 3 },
  desire: { members: ['pod-0', 'pod-1', 'pod-2', 'pod-3', 'pod-4'], counter: 3, author: 'pod-2' },
};

/** A member without a configuration that promised the seed to found a cluster. */
export const promisedState: DurableState = {
  ...initialDurableState,
  promise: { seed: 'pod-0', members: ['pod-0', 'pod-1', 'pod-2'] },
  startedWith: { members: ['pod-0', 'pod-1', 'pod-2'], counter: 0 },
  desire: { members: ['pod-0', 'pod-1', 'pod-2'], counter: 0, author: 'pod-1' },
};

export const foundedState: DurableState = {
  ...initialDurableState,
  term: 1,
  votedFor: 'pod-0',
  configuration: foundingConfiguration(['pod-0', 'pod-1', 'pod-2']),
  startedWith: { members: ['pod-0', 'pod-1', 'pod-2'], counter: 0 },
  desire: { members: ['pod-0', 'pod-1', 'pod-2'], counter: 0, author: 'pod-0' },
};
