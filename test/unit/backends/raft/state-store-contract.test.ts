import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ElectorError } from '../../../../src/core/errors.js';
import { foundingConfiguration } from '../../../../src/core/raft/configuration.js';
import type { DurableState } from '../../../../src/core/raft/state.js';
import {
  initialDurableState,
  type DurableStateStore,
} from '../../../../src/backends/raft/storage/durable-state-store.js';
import { FileStateStore } from '../../../../src/backends/raft/storage/file-state-store.js';
import { MemoryStateStore } from '../../../../src/backends/raft/storage/memory-state-store.js';
import { foundedState, memberState, promisedState, stateWith } from './durable-states.js';

/** One contract, every store (in the manner of hashicorp/raft's transport_test.go). */
const stores: readonly [
  string,
  () => Promise<{ store: DurableStateStore; cleanup: () => Promise<void> }>,
][] = [
  [
    'MemoryStateStore',
    () => Promise.resolve({ store: new MemoryStateStore(), cleanup: () => Promise.resolve() }),
  ],
  [
    'FileStateStore',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'elector-state-'));
      return {
        store: new FileStateStore(join(directory, 'nested')),
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
  ],
];

for (const [name, open] of stores) {
  describe(`${name} contract`, () => {
    test('a store that never saved loads term 0 and no vote', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      assert.deepEqual(await store.load(), initialDurableState);
      assert.deepEqual(await store.load(), stateWith(0, null));
    });

    test('a saved state loads back exactly', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const states: DurableState[] = [
        stateWith(1, 'pod-1'),
        stateWith(2, null),
        stateWith(Number.MAX_SAFE_INTEGER, 'ü-пóд'),
        memberState,
        promisedState,
        foundedState,
      ];
      for (const state of states) {
        await store.save(state);
        assert.deepEqual(await store.load(), state);
      }
    });

    test('saves run in call order and a load waits for saves already started', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const saves = [1, 2, 3, 4, 5].map((term) => store.save(stateWith(term, `m${term}`)));
      const loaded = store.load();
      await Promise.all(saves);
      assert.deepEqual(await loaded, stateWith(5, 'm5'));
    });

    test('an invalid state is refused with INTERNAL and the saved state stays', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      await store.save(stateWith(3, 'a'));
      const configuration = memberState.configuration ?? foundingConfiguration(['a']);
      const invalid: readonly DurableState[] = [
        stateWith(-1, null),
        stateWith(1.5, null),
        stateWith(Number.MAX_SAFE_INTEGER + 1, null),
        stateWith(4, ''),
        stateWith(4, 'x'.repeat(254)),
        { ...stateWith(4, null), extra: true } as DurableState,
        { ...memberState, configuration: { ...configuration, voters: ['b', 'a'] } },
        { ...memberState, configuration: { ...configuration, index: 0 } },
        { ...memberState, desire: { members: [], counter: 1, author: 'a' } },
        {
          ...memberState,
          startedWith: { members: Array.from({ length: 8 }, (_, i) => `m${i}`), counter: 0 },
        },
      ];
      for (const state of invalid) {
        await assert.rejects(
          store.save(state),
          (error: unknown) => error instanceof ElectorError && error.code === 'INTERNAL',
          JSON.stringify(state),
        );
      }
      assert.deepEqual(await store.load(), stateWith(3, 'a'));
    });

    test('a loaded state cannot be changed by its reader', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const state = structuredClone(memberState) as {
        -readonly [K in keyof DurableState]: DurableState[K];
      };
      await store.save(state);
      state.term = 99;
      const loaded = await store.load();
      assert.equal(loaded.term, memberState.term);
      assert.ok(Object.isFrozen(loaded));
      assert.ok(Object.isFrozen(loaded.configuration?.voters), 'nested lists are frozen too');
    });
  });
}
