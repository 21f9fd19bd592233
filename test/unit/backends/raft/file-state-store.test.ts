import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { ElectorError } from '../../../../src/core/errors.js';
import {
  FileStateStore,
  stateFileName,
  stateTempFileName,
} from '../../../../src/backends/raft/storage/file-state-store.js';
import { stateChecksum } from '../../../../src/backends/raft/storage/durable-state-schema.js';
import {
  nodeStateFileSystem,
  type StateFileSystem,
} from '../../../../src/backends/raft/storage/state-file-system.js';
import { waitFor } from '../../../../lab/wait-for.js';
import { memberState, stateWith } from './durable-states.js';

async function tempDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-state-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

function isCorrupt(path: string, fragment: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof ElectorError, String(error));
    assert.equal(error.code, 'STATE_CORRUPT');
    assert.equal(error.retryable, false);
    assert.ok(error.message.includes(path), `names the file: ${error.message}`);
    assert.ok(error.message.includes(fragment), `says "${fragment}": ${error.message}`);
    return true;
  };
}

/** A valid file's JSON with some fields replaced, keeping the original checksum unless given. */
function fileWith(fields: Record<string, unknown>): string {
  const base = {
    format: 'elector-raft-state',
    version: 2,
    ...memberState,
    checksum: stateChecksum(2, memberState),
  };
  return JSON.stringify({ ...base, ...fields });
}

/** A file written by elector 0.1 (format version 1: term and vote only). */
function legacyFile(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: 'elector-raft-state',
    version: 1,
    term: 7,
    votedFor: 'b',
    checksum: stateChecksum(1, stateWith(7, 'b')),
    ...fields,
  });
}

describe('FileStateStore on disk', () => {
  test('a saved state survives re-opening the directory with a new store', async (t) => {
    const directory = await tempDirectory(t);
    await new FileStateStore(directory).save(stateWith(12, 'pod-2'));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(12, 'pod-2'));
  });

  test('the file holds two slots: the first a text header and the state as JSON, the second empty', async (t) => {
    const directory = await tempDirectory(t);
    await new FileStateStore(directory).save(memberState);
    const content = await readFile(join(directory, stateFileName));
    assert.equal(content.byteLength, 2 * 4096);
    const [header, payload] = content.subarray(0, 4096).toString('utf8').split('\n');
    assert.match(header ?? '', /^elector-raft-state\/3 0000000000000001 \d{8} [0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(payload ?? ''), memberState);
    assert.ok(content.subarray(4096).every((byte) => byte === 0));
  });

  test('a file of elector 0.1 (format version 1) loads its term and vote, marked as legacy', async (t) => {
    const directory = await tempDirectory(t);
    await writeFile(join(directory, stateFileName), legacyFile());
    assert.deepEqual(await new FileStateStore(directory).load(), {
      ...stateWith(7, 'b'),
      legacyFormat: true,
    });
  });

  test('a legacy file edited without its checksum does not load', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    await writeFile(path, legacyFile({ term: 8 }));
    await assert.rejects(
      new FileStateStore(directory).load(),
      isCorrupt(path, 'fails its checksum'),
    );
  });

  test('a save writes and syncs a temp file, renames it over the state file, then syncs the directory', async (t) => {
    const directory = await tempDirectory(t);
    const steps: string[] = [];
    const recording: StateFileSystem = {
      ...nodeStateFileSystem,
      makeDirectory: async (path) => {
        steps.push(`mkdir ${path}`);
        await nodeStateFileSystem.makeDirectory(path);
      },
      writeAndSync: async (path, data) => {
        steps.push(`write+sync ${path}`);
        await nodeStateFileSystem.writeAndSync(path, data);
      },
      rename: async (from, to) => {
        steps.push(`rename ${from} -> ${to}`);
        await nodeStateFileSystem.rename(from, to);
      },
      syncDirectory: async (path) => {
        steps.push(`sync ${path}`);
        await nodeStateFileSystem.syncDirectory(path);
      },
    };
    await new FileStateStore(directory, recording).save(stateWith(1, null));
    const target = join(directory, stateFileName);
    const temp = join(directory, stateTempFileName);
    assert.deepEqual(steps, [
      `mkdir ${directory}`,
      `write+sync ${temp}`,
      `rename ${temp} -> ${target}`,
      `sync ${directory}`,
    ]);
  });

  test('saves never overlap: each waits for the one before it', async (t) => {
    const directory = await tempDirectory(t);
    let active = 0;
    let maxActive = 0;
    const releases: (() => void)[] = [];
    const slow: StateFileSystem = {
      ...nodeStateFileSystem,
      writeAndSync: async (path, data) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        await nodeStateFileSystem.writeAndSync(path, data);
      },
      syncDirectory: async (path) => {
        await nodeStateFileSystem.syncDirectory(path);
        active -= 1;
      },
      // After the first save (which lays the file out) saves rewrite a slot in place.
      overwriteAndSync: async (path, position, data) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        await nodeStateFileSystem.overwriteAndSync(path, position, data);
        active -= 1;
      },
    };
    const store = new FileStateStore(directory, slow);
    const saves = [1, 2, 3].map((term) => store.save(stateWith(term, null)));
    for (let released = 0; released < 3; released += 1) {
      await waitFor(() => releases.length > released, {
        timeoutMs: 5000,
        intervalMs: 1,
        what: `save ${released + 1} to start writing`,
      });
      // Had the saves overlapped, the next write would have started by now as well.
      assert.equal(releases.length, released + 1);
      releases[released]?.();
    }
    await Promise.all(saves);
    assert.equal(maxActive, 1);
    assert.deepEqual(await store.load(), stateWith(3, null));
  });

  test('a failed save rejects with a retryable STATE_UNWRITABLE and leaves the old state', async (t) => {
    const directory = await tempDirectory(t);
    await new FileStateStore(directory).save(stateWith(4, 'a'));
    const failing: StateFileSystem = {
      ...nodeStateFileSystem,
      rename: () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })),
    };
    const store = new FileStateStore(directory, failing);
    await assert.rejects(store.save(stateWith(5, 'b')), (error: unknown) => {
      assert.ok(error instanceof ElectorError);
      assert.equal(error.code, 'STATE_UNWRITABLE');
      assert.equal(error.retryable, true);
      assert.match(error.message, /rename .* failed \(EIO: i\/o error\)/);
      return true;
    });
    assert.deepEqual(await store.load(), stateWith(4, 'a'), 'the queue goes on');
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(4, 'a'));
  });

  test('a state directory under a regular file is not writable (ENOTDIR), not corrupt: load, probe and save say so', async (t) => {
    const parent = await tempDirectory(t);
    await writeFile(join(parent, 'a-file'), 'not a directory');
    const store = new FileStateStore(join(parent, 'a-file', 'state'));
    const isNotWritable = (error: unknown): boolean => {
      assert.ok(error instanceof ElectorError, String(error));
      assert.equal(error.code, 'STATE_UNWRITABLE', error.message);
      assert.equal(error.retryable, true);
      assert.match(error.message, /^state directory not writable: /);
      assert.match(error.message, /ENOTDIR/);
      assert.match(error.message, /point --state-dir at a directory/);
      assert.doesNotMatch(error.message, /backup/);
      return true;
    };
    await assert.rejects(store.load(), isNotWritable);
    await assert.rejects(store.checkWritable(), isNotWritable);
    await assert.rejects(store.save(stateWith(1, 'a')), isNotWritable);
  });

  const unwritableCodes: readonly [string, RegExp][] = [
    ['EROFS', /read-only/],
    ['ENOSPC', /volume is full/],
    ['EDQUOT', /volume is full or over its quota/],
    ['EACCES', /securityContext/],
    ['EIO', /I\/O error/],
  ];
  for (const [code, advice] of unwritableCodes) {
    test(`a save or probe failing with ${code} is STATE_UNWRITABLE with advice that fits`, async (t) => {
      const directory = await tempDirectory(t);
      const failing: StateFileSystem = {
        ...nodeStateFileSystem,
        writeAndSync: () =>
          Promise.reject(Object.assign(new Error(`${code}: simulated`), { code })),
      };
      const store = new FileStateStore(directory, failing);
      for (const attempt of [store.save(stateWith(1, 'a')), store.checkWritable()]) {
        await assert.rejects(attempt, (error: unknown) => {
          assert.ok(error instanceof ElectorError);
          assert.equal(error.code, 'STATE_UNWRITABLE');
          assert.match(error.message, advice);
          assert.match(error.message, new RegExp(code));
          return true;
        });
      }
    });
  }

  test('the write probe leaves the state file untouched', async (t) => {
    const directory = await tempDirectory(t);
    const store = new FileStateStore(join(directory, 'new'));
    await store.checkWritable();
    assert.deepEqual(await store.load(), stateWith(0, null), 'no state file was made');
    await store.save(stateWith(3, 'b'));
    await store.checkWritable();
    assert.deepEqual(await new FileStateStore(join(directory, 'new')).load(), stateWith(3, 'b'));
  });

  test('a temp file left over from a crash is ignored, and the next save replaces it', async (t) => {
    const directory = await tempDirectory(t);
    await writeFile(join(directory, stateTempFileName), '{"format":"elector-raft-st');
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(0, null));
    await new FileStateStore(directory).save(stateWith(2, 'c'));
    await writeFile(join(directory, stateTempFileName), 'garbage from a crash mid-write');
    const store = new FileStateStore(directory);
    assert.deepEqual(await store.load(), stateWith(2, 'c'));
    await store.save(stateWith(3, null));
    assert.deepEqual(await new FileStateStore(directory).load(), stateWith(3, null));
  });

  const corruptions: readonly [string, string | Uint8Array, string][] = [
    ['an empty file', '', 'is empty'],
    ['a truncated file', fileWith({}).slice(0, 40), 'is not valid JSON'],
    ['bytes that are not UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), 'is not UTF-8'],
    ['a JSON array', '[7, "b"]', 'does not match the state file schema'],
    ['a missing vote', fileWith({ votedFor: undefined }), 'votedFor'],
    ['an extra field', fileWith({ leader: 'b' }), 'leader'],
    ['a negative term', fileWith({ term: -7 }), 'term'],
    ['a term written as a string', fileWith({ term: '7' }), 'term'],
    ['another format name', fileWith({ format: 'something-else' }), 'format'],
    ['a newer format version', fileWith({ version: 3 }), 'has format version 3'],
    ['a legacy file with a configuration', legacyFile({ configuration: null }), 'configuration'],
    [
      'unsorted voters',
      fileWith({ configuration: { ...memberState.configuration, voters: ['pod-1', 'pod-0'] } }),
      'sorted',
    ],
    [
      'a configuration edited without its checksum',
      fileWith({ configuration: { ...memberState.configuration, voters: ['pod-0'] } }),
      'fails its checksum',
    ],
    [
      'a desire edited without its checksum',
      fileWith({ desire: { ...memberState.desire, counter: 9 } }),
      'fails its checksum',
    ],
    ['a malformed checksum', fileWith({ checksum: 'abc' }), 'checksum'],
    ['a term edited without its checksum', fileWith({ term: 8 }), 'fails its checksum'],
    ['a vote edited without its checksum', fileWith({ votedFor: 'c' }), 'fails its checksum'],
  ];
  for (const [what, content, fragment] of corruptions) {
    test(`a state file with ${what} makes load throw STATE_CORRUPT`, async (t) => {
      const directory = await tempDirectory(t);
      const path = join(directory, stateFileName);
      await writeFile(path, content);
      await assert.rejects(new FileStateStore(directory).load(), isCorrupt(path, fragment));
    });
  }

  test('a state file that cannot be read makes load throw STATE_CORRUPT', async (t) => {
    const directory = await tempDirectory(t);
    const path = join(directory, stateFileName);
    await mkdir(path);
    await assert.rejects(new FileStateStore(directory).load(), isCorrupt(path, 'cannot be read'));
  });

  test('a file cut at any length never loads (property)', async (t) => {
    const directory = await tempDirectory(t);
    await new FileStateStore(directory).save(stateWith(41, 'pod-0'));
    const path = join(directory, stateFileName);
    const full = await readFile(path);
    // The trailing newline is the only byte whose loss leaves a complete file.
    for (let length = 0; length < full.byteLength - 1; length += 1) {
      await writeFile(path, full.subarray(0, length));
      await assert.rejects(new FileStateStore(directory).load(), isCorrupt(path, path));
    }
  });

  test('a file with any one byte changed never loads a different state (property)', async (t) => {
    const directory = await tempDirectory(t);
    const saved = memberState;
    await new FileStateStore(directory).save(saved);
    const path = join(directory, stateFileName);
    const full = await readFile(path);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: full.byteLength - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, delta) => {
          const changed = Buffer.from(full);
          changed[index] = ((changed[index] ?? 0) + delta) % 256;
          await writeFile(path, changed);
          try {
            assert.deepEqual(await new FileStateStore(directory).load(), saved);
          } catch (error) {
            isCorrupt(path, path)(error);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
