// A contract check that passes on a broken backend proves nothing. Each case breaks one promise
// of the interface in a thin layer around the Raft backend (no server needed) and requires the
// check written for that promise to fail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { backendsUnderTest, type BackendWrapper } from './backends.js';
import { contractChecks, runCheck } from './contract.js';

const mutations: readonly { name: string; check: string; wrap: BackendWrapper }[] = [
  {
    name: 'a resign that does not hand over',
    check: 'a resigning leader stops acting',
    wrap: (backend) => ({ ...forward(backend), resign: () => Promise.resolve() }),
  },
  {
    name: 'a resign that ignores the member named',
    check: 'resign to an unknown, ineligible or the leader itself is refused',
    wrap: (backend) => ({ ...forward(backend), resign: (signal) => backend.resign(signal) }),
  },
  {
    name: 'a resign that hands over to another member than the one named',
    check: 'resign to a named member hands over to exactly it',
    wrap: (backend) => ({
      ...forward(backend),
      resign: (signal, to) => {
        const self = backend.current().leader;
        const other = backend.members().find((status) => status.id !== to && status.id !== self);
        return other === undefined ? backend.resign(signal) : backend.resign(signal, other.id);
      },
    }),
  },
  {
    name: 'a follower whose resign fails instead of doing nothing',
    check: 'resign is a no-op on a follower',
    wrap: (backend) => ({
      ...forward(backend),
      resign: (signal) =>
        backend.current().isSelf
          ? backend.resign(signal)
          : Promise.reject(new Error('not the leader')),
    }),
  },
  {
    name: 'ineligibility that is ignored',
    check: 'an ineligible leader stops acting',
    wrap: (backend) => ({ ...forward(backend), setEligible: () => undefined }),
  },
  {
    name: 'a stopped member that still reports the lease it held',
    check: 'a leader that stops is succeeded',
    wrap: (backend) => {
      let lastRunning: ElectionState = backend.current();
      return {
        ...forward(backend),
        current: () => {
          const state = backend.current();
          if (state.role !== 'stopped') lastRunning = state;
          return state.role === 'stopped' ? lastRunning : state;
        },
      };
    },
  },
  {
    name: 'a follower that claims to act',
    check: 'exactly one of three members acts',
    wrap: (backend) => ({
      ...forward(backend),
      current: () => {
        const state = backend.current();
        return state.leader === null ? state : { ...state, isSelf: true };
      },
    }),
  },
  {
    name: 'a follower that does not know where the leader is',
    check: 'exactly one of three members acts',
    wrap: (backend) => ({
      ...forward(backend),
      current: () => {
        const state = backend.current();
        return state.isSelf ? state : { ...state, leaderAddress: null };
      },
    }),
  },
  {
    name: 'a member list that names no leader',
    check: 'members() on every member names the one leader',
    wrap: (backend) => ({
      ...forward(backend),
      members: () =>
        backend
          .members()
          .map((status) => (status.role === 'leader' ? { ...status, role: 'follower' } : status)),
    }),
  },
  {
    name: 'a second start that is accepted',
    check: 'before start, a member neither leads nor is ready',
    wrap: (backend) => {
      let started: Promise<void> | null = null;
      return { ...forward(backend), start: (signal) => (started ??= backend.start(signal)) };
    },
  },
];

/** Every method of `backend`, bound, so a mutation can replace one. */
function forward(backend: ElectionBackend): ElectionBackend {
  return {
    name: backend.name,
    start: (signal) => backend.start(signal),
    stopped: () => backend.stopped(),
    current: () => backend.current(),
    onChange: (listener) => backend.onChange(listener),
    resign: (signal, to) =>
      to === undefined ? backend.resign(signal) : backend.resign(signal, to),
    setEligible: (isEligible) => {
      backend.setEligible(isEligible);
    },
    isReady: () => backend.isReady(),
    members: () => backend.members(),
  };
}

describe('the contract suite catches a broken backend', () => {
  const raft = backendsUnderTest.find((backend) => backend.name === 'raft');
  assert.ok(raft);
  before(() => raft.setUp());
  after(() => raft.tearDown());

  for (const mutation of mutations) {
    test(`${mutation.name} fails "${mutation.check}…"`, async () => {
      const check = contractChecks.find((candidate) => candidate.name.startsWith(mutation.check));
      assert.ok(check, `no contract check named "${mutation.check}…"`);
      // Any failure counts: an assertion, or a wait that never saw what the contract promises.
      await assert.rejects(runCheck(check, raft, mutation.wrap));
    });
  }
});
