import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ElectorError } from '../../../src/core/errors.js';
import type { DurableState } from '../../../src/core/raft/state.js';
import {
  initialDurableState,
  type DurableStateStore,
} from '../../../src/raft/storage/durable-state-store.js';
import { FileStateStore } from '../../../src/raft/storage/file-state-store.js';
import { MemoryStateStore } from '../../../src/raft/storage/memory-state-store.js';

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
      assert.deepEqual(await store.load(), { term: 0, votedFor: null });
    });

    test('a saved state loads back exactly', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const states: DurableState[] = [
        { term: 1, votedFor: 'pod-1' },
        { term: 2, votedFor: null },
        { term: Number.MAX_SAFE_INTEGER, votedFor: 'ü-пóд' },
      ];
      for (const state of states) {
        await store.save(state);
        assert.deepEqual(await store.load(), state);
      }
    });

    test('saves run in call order and a load waits for saves already started', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const saves = [1, 2, 3, 4, 5].map((term) => store.save({ term, votedFor: `m${term}` }));
      const loaded = store.load();
      await Promise.all(saves);
      assert.deepEqual(await loaded, { term: 5, votedFor: 'm5' });
    });

    test('an invalid state is refused with INTERNAL and the saved state stays', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      await store.save({ term: 3, votedFor: 'a' });
      const invalid: readonly DurableState[] = [
        { term: -1, votedFor: null },
        { term: 1.5, votedFor: null },
        { term: Number.MAX_SAFE_INTEGER + 1, votedFor: null },
        { term: 4, votedFor: '' },
        { term: 4, votedFor: 'x'.repeat(254) },
        { term: 4, votedFor: null, extra: true } as DurableState,
      ];
      for (const state of invalid) {
        await assert.rejects(
          store.save(state),
          (error: unknown) => error instanceof ElectorError && error.code === 'INTERNAL',
          JSON.stringify(state),
        );
      }
      assert.deepEqual(await store.load(), { term: 3, votedFor: 'a' });
    });

    test('a loaded state cannot be changed by its reader', async (t) => {
      const { store, cleanup } = await open();
      t.after(cleanup);
      const state = { term: 2, votedFor: 'b' };
      await store.save(state);
      state.term = 99;
      const loaded = await store.load();
      assert.equal(loaded.term, 2);
      assert.ok(Object.isFrozen(loaded));
    });
  });
}
