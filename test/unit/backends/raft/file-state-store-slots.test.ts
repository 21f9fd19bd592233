import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ElectorError } from '../../../../src/core/errors.js';
import type { DurableState } from '../../../../src/core/raft/state.js';
import { stateChecksum } from '../../../../src/backends/raft/storage/durable-state-schema.js';
import {
  FileStateStore,
  stateFileName,
  stateTempFileName,
} from '../../../../src/backends/raft/storage/file-state-store.js';
import {
  nodeStateFileSystem,
  type StateFileSystem,
} from '../../../../src/backends/raft/storage/state-file-system.js';
import { memberState, stateWith } from './durable-states.js';

async function tempDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-slots-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** The file system, with every call it gets written down. */
function recording(steps: string[], base: StateFileSystem = nodeStateFileSystem): StateFileSystem {
  return {
    readFile: (path) => base.readFile(path),
    makeDirectory: async (path) => {
      steps.push(`mkdir ${path}`);
      await base.makeDirectory(path);
    },
    writeAndSync: async (path, data) => {
      steps.push(`write+sync ${path}`);
      await base.writeAndSync(path, data);
    },
    overwriteAndSync: async (path, position, data) => {
      steps.push(`overwrite+datasync ${path} at ${position} (${data.byteLength} bytes)`);
      await base.overwriteAndSync(path, position, data);
    },
    availableBytes: async (path) => {
      steps.push(`statfs ${path}`);
      return base.availableBytes(path);
    },
    rename: async (from, to) => {
      steps.push(`rename ${from} -> ${to}`);
      await base.rename(from, to);
    },
    syncDirectory: async (path) => {
      steps.push(`sync ${path}`);
      await base.syncDirectory(path);
    },
  };
}

/** A state whose record no longer fits a 4096-byte slot: seven members with long names. */
function largeState(): DurableState {
  const members = Array.from({ length: 7 }, (_, index) => `${String(index)}${'m'.repeat(240)}`);
  return {
    term: 3,
    votedFor: members[0] ?? null,
    configuration: { index: 2, term: 3, version: 1, voters: members, outgoing: null },
    promise: null,
    startedWith: { members, counter: 1 },
    desire: { members, counter: 1, author: members[1] ?? 'x' },
  };
}

function unwritableWith(code: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof ElectorError, String(error));
    assert.equal(error.code, 'STATE_UNWRITABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, new RegExp(code));
    return true;
  };
}

describe('FileStateStore saves after the first', () => {
  test('rewrite the older slot in place with one synced write: no temp file, rename or directory sync', async (t) => {
    const directory = await tempDirectory(t);
    const steps: string[] = [];
    const store = new FileStateStore(directory, recording(steps));
    await store.save(stateWith(1, 'a'));
    steps.length = 0;
    await store.save(stateWith(2, 'b'));
    await store.save(stateWith(3, null));
    const path = join(directory, stateFileName);
    assert.deepEqual(steps, [
      `statfs ${directory}`,
      `overwrite+datasync ${path} at 4096 (4096 bytes)`,
      `statfs ${directory}`,
      `overwrite+datasync ${path} at 0 (4096 bytes)`,
    ]);
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(3, null));
  });

  test('a restarted store writes the slot that does not hold the newest record', async (t) => {
    const directory = await tempDirectory(t);
    for (let term = 1; term <= 5; term += 1) {
      const steps: string[] = [];
      const store = new FileStateStore(directory, recording(steps));
      if (term > 1) assert.deepEqual(await store.load(), stateWith(term - 1, 'a'));
      await store.save(stateWith(term, 'a'));
      // Term 1 lays the file out (slot 0); then slots alternate: 1, 0, 1, 0.
      if (term > 1) {
        const slot = term % 2 === 0 ? 1 : 0;
        assert.ok(
          steps.includes(
            `overwrite+datasync ${join(directory, stateFileName)} at ${slot * 4096} (4096 bytes)`,
          ),
          steps.join('\n'),
        );
      }
    }
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(5, 'a'));
  });

  test('a JSON file of format 2 loads, and the first save replaces it whole with a slot file', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    const json = {
      format: 'elector-raft-state',
      version: 2,
      ...memberState,
      checksum: stateChecksum(2, memberState),
    };
    await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
    const steps: string[] = [];
    const store = new FileStateStore(directory, recording(steps));
    assert.deepEqual(await store.load(), memberState);
    const next = { ...memberState, term: 10, votedFor: null };
    await store.save(next);
    const temp = join(directory, stateTempFileName);
    assert.deepEqual(steps, [
      `mkdir ${directory}`,
      `write+sync ${temp}`,
      `rename ${temp} -> ${path}`,
      `sync ${directory}`,
    ]);
    assert.match(
      (await readFile(path)).subarray(0, 21).toString('latin1'),
      /^elector-raft-state\/3 /,
    );
    assert.deepEqual(await new FileStateStore(directory).load(), next);
  });

  test('a JSON file of format 1 loads marked as legacy and is migrated by the first save', async (t) => {
    const directory = await tempDirectory(t);
    const legacy = {
      format: 'elector-raft-state',
      version: 1,
      term: 7,
      votedFor: 'b',
      checksum: stateChecksum(1, stateWith(7, 'b')),
    };
    await writeFile(join(directory, stateFileName), JSON.stringify(legacy));
    const store = new FileStateStore(directory);
    assert.deepEqual(await store.load(), { ...stateWith(7, 'b'), legacyFormat: true });
    await store.save(stateWith(7, 'b'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(7, 'b'));
  });

  test('a record that outgrows its slot lays the file out again with larger slots, which stay', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    const store = new FileStateStore(directory);
    await store.save(stateWith(1, 'a'));
    assert.equal((await readFile(path)).byteLength, 2 * 4096);
    const large = largeState();
    await store.save(large);
    assert.equal((await readFile(path)).byteLength, 2 * 8192);
    assert.deepEqual(await new FileStateStore(directory).load(), large);
    const steps: string[] = [];
    const again = new FileStateStore(directory, recording(steps));
    await again.load();
    await again.save(stateWith(4, 'b'));
    assert.deepEqual(steps, [
      `statfs ${directory}`,
      `overwrite+datasync ${path} at 8192 (8192 bytes)`,
    ]);
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(4, 'b'));
  });

  test('a state file removed while the member runs is made again by the next save', async (t) => {
    const directory = await tempDirectory(t);
    const store = new FileStateStore(directory);
    await store.save(stateWith(1, 'a'));
    await store.save(stateWith(2, 'a'));
    await unlink(join(directory, stateFileName));
    await store.save(stateWith(3, 'c'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(3, 'c'));
    await store.save(stateWith(4, 'c'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(4, 'c'));
  });

  test('a full volume fails the save with STATE_UNWRITABLE (no space) before anything is written', async (t) => {
    const directory = await tempDirectory(t);
    await new FileStateStore(directory).save(stateWith(1, 'a'));
    const before = await readFile(join(directory, stateFileName));
    let available = 0;
    const steps: string[] = [];
    const full = recording(steps, {
      ...nodeStateFileSystem,
      availableBytes: () => Promise.resolve(available),
    });
    const store = new FileStateStore(directory, full);
    await store.load();
    await assert.rejects(store.save(stateWith(2, 'b')), (error: unknown) => {
      unwritableWith('ENOSPC')(error);
      assert.match((error as Error).message, /volume is full/);
      return true;
    });
    assert.ok(!steps.some((step) => step.startsWith('overwrite')), steps.join('\n'));
    assert.deepEqual(await readFile(join(directory, stateFileName)), before);
    available = 4096;
    await store.save(stateWith(2, 'b'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(2, 'b'));
  });

  test('a failed in-place write leaves the newest durable slot alone: the retry writes the same slot', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    await new FileStateStore(directory).save(stateWith(1, 'a'));
    let isFailing = false;
    const failing: StateFileSystem = {
      ...nodeStateFileSystem,
      async overwriteAndSync(target, position, data) {
        if (!isFailing) return nodeStateFileSystem.overwriteAndSync(target, position, data);
        // Half the record reached the disk, then the device failed.
        await nodeStateFileSystem.overwriteAndSync(target, position, data.subarray(0, 100));
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      },
    };
    const store = new FileStateStore(directory, failing);
    await store.load();
    await store.save(stateWith(2, 'b'));
    isFailing = true;
    await assert.rejects(store.save(stateWith(3, 'c')), unwritableWith('EIO'));
    await assert.rejects(store.save(stateWith(3, 'c')), unwritableWith('EIO'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(2, 'b'));
    isFailing = false;
    await store.save(stateWith(3, 'c'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(3, 'c'));
    assert.equal((await readFile(path)).byteLength, 2 * 4096);
  });

  test('a slot file with both slots torn, or with two equal sequence numbers, is STATE_CORRUPT with the usual advice', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    const store = new FileStateStore(directory);
    await store.save(stateWith(1, 'a'));
    await store.save(stateWith(2, 'b'));
    const file = await readFile(path);
    const isCorrupt =
      (fragment: RegExp) =>
      (error: unknown): boolean => {
        assert.ok(error instanceof ElectorError, String(error));
        assert.equal(error.code, 'STATE_CORRUPT');
        assert.equal(error.retryable, false);
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, fragment);
        assert.match(error.message, /Refusing to start from term 0/);
        assert.match(error.message, /Restore the file from a backup/);
        return true;
      };
    const torn = Buffer.from(file);
    torn.fill(0x41, 200, 300);
    torn.fill(0x41, 4096 + 200, 4096 + 300);
    await writeFile(path, torn);
    await assert.rejects(
      new FileStateStore(directory).load(),
      isCorrupt(/has no valid slot: slot 0 fails its checksum .*; slot 1 fails its checksum/),
    );
    const twins = Buffer.concat([file.subarray(4096), file.subarray(4096)]);
    await writeFile(path, twins);
    await assert.rejects(
      new FileStateStore(directory).load(),
      isCorrupt(/two slots with the same sequence number 2/),
    );
  });
});
