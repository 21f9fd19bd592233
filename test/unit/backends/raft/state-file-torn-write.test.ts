// A crash in the middle of a save rewrites part of one slot: the file must then load the save
// before it, whole, or (when the record itself reached the disk whole) the save in progress.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { DurableState } from '../../../../src/core/raft/state.js';
import {
  FileStateStore,
  stateFileName,
} from '../../../../src/backends/raft/storage/file-state-store.js';
import {
  nodeStateFileSystem,
  type StateFileSystem,
} from '../../../../src/backends/raft/storage/state-file-system.js';
import { memberState, stateWith } from './durable-states.js';

const slotSize = 4096;
const sectorSize = 512;
const previous = memberState;
const nextState = fc
  .record({
    term: fc.integer({ min: previous.term + 1, max: 1_000_000 }),
    votedFor: fc.option(fc.stringMatching(/^[a-z0-9-]{1,60}$/), { nil: null }),
  })
  .map(({ term, votedFor }): DurableState => ({ ...previous, term, votedFor }));

interface Scene {
  readonly directory: string;
  readonly path: string;
  /** The file after two saves: slot 0 holds an older state, slot 1 `previous`. */
  readonly before: Buffer;
}

/** Saves an older state, then `previous`, so the next save rewrites slot 0. */
async function scene(t: TestContext): Promise<Scene> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-torn-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const store = new FileStateStore(directory);
  await store.save(stateWith(2, 'pod-4'));
  await store.save(previous);
  const path = join(directory, stateFileName);
  return { directory, path, before: await readFile(path) };
}

/** The bytes the store's next save of `state` writes, and where, without touching the disk. */
async function nextWrite(
  { directory, path, before }: Scene,
  state: DurableState,
): Promise<{ position: number; data: Buffer }> {
  await writeFile(path, before);
  const writes: { position: number; data: Buffer }[] = [];
  const capturing: StateFileSystem = {
    ...nodeStateFileSystem,
    overwriteAndSync: (_path, position, data) => {
      writes.push({ position, data: Buffer.from(data) });
      return Promise.resolve();
    },
  };
  const store = new FileStateStore(directory, capturing);
  await store.load();
  await store.save(state);
  const [write] = writes;
  assert.ok(write !== undefined && writes.length === 1, `one in-place write: ${writes.length}`);
  assert.equal(write.position, 0, 'the save rewrites slot 0, the older one');
  assert.equal(write.data.byteLength, slotSize);
  return write;
}

/** Writes the torn slot over slot 0 of the file and loads it with a new store. */
async function loadTorn({ directory, path, before }: Scene, slot: Buffer): Promise<DurableState> {
  const file = Buffer.from(before);
  slot.copy(file, 0);
  await writeFile(path, file);
  return new FileStateStore(directory).load();
}

/** Where the written record's payload ends (its trailing newline is not part of what counts). */
function payloadEnd(written: Buffer): number {
  return written.indexOf(0x0a, written.indexOf(0x0a) + 1);
}

/** The save in progress loads only when its header and payload reached the disk whole. */
function expected(torn: Buffer, written: Buffer, next: DurableState): DurableState {
  const recordEnd = payloadEnd(written);
  const isWhole = torn.subarray(0, recordEnd).equals(written.subarray(0, recordEnd));
  return isWhole ? next : previous;
}

describe('a crash in the middle of an in-place save', () => {
  test('with any subset of the slot sectors written, the previous state or the new one loads whole (property)', async (t) => {
    const setting = await scene(t);
    const old = setting.before.subarray(0, slotSize);
    await fc.assert(
      fc.asyncProperty(
        nextState,
        fc.array(fc.boolean(), {
          minLength: slotSize / sectorSize,
          maxLength: slotSize / sectorSize,
        }),
        async (next, isSectorWritten) => {
          const { data } = await nextWrite(setting, next);
          const torn = Buffer.from(old);
          isSectorWritten.forEach((isWritten, sector) => {
            if (isWritten)
              data.copy(torn, sector * sectorSize, sector * sectorSize, (sector + 1) * sectorSize);
          });
          const loaded = await loadTorn(setting, torn);
          assert.deepEqual(loaded, expected(torn, data, next));
          assert.ok(loaded.term <= next.term);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('with the write cut at any byte, the previous state loads until the record is whole (property)', async (t) => {
    const setting = await scene(t);
    const old = setting.before.subarray(0, slotSize);
    await fc.assert(
      fc.asyncProperty(nextState, fc.nat({ max: slotSize }), async (next, cutAt) => {
        const { data } = await nextWrite(setting, next);
        const torn = Buffer.concat([data.subarray(0, cutAt), old.subarray(cutAt)]);
        const loaded = await loadTorn(setting, torn);
        assert.deepEqual(loaded, expected(torn, data, next));
        if (cutAt < data.indexOf(0x0a)) assert.deepEqual(loaded, previous, 'a cut header');
      }),
      { numRuns: 60 },
    );
  });

  test('with garbage over any part of the new slot, the previous state or the new one loads, never a mix (property)', async (t) => {
    const setting = await scene(t);
    await fc.assert(
      fc.asyncProperty(
        nextState,
        fc.nat({ max: slotSize - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        async (next, start, garbage) => {
          const { data } = await nextWrite(setting, next);
          const torn = Buffer.from(data);
          torn.set(garbage.subarray(0, slotSize - start), start);
          const loaded = await loadTorn(setting, torn);
          assert.deepEqual(loaded, expected(torn, data, next));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a slot cut short at every byte of its record never loads it, and the previous state does', async (t) => {
    const setting = await scene(t);
    const next = { ...previous, term: previous.term + 1, votedFor: 'pod-3' };
    const { data } = await nextWrite(setting, next);
    const recordEnd = payloadEnd(data);
    for (let cutAt = 0; cutAt < recordEnd; cutAt += 1) {
      // The rest of the slot as zeros: the write reached the disk only this far, on a fresh block.
      const torn = Buffer.alloc(slotSize);
      data.copy(torn, 0, 0, cutAt);
      assert.deepEqual(await loadTorn(setting, torn), previous, `cut at ${cutAt}`);
    }
    assert.deepEqual(await loadTorn(setting, Buffer.from(data)), next);
  });
});
