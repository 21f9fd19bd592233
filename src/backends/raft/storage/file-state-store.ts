import { basename, dirname, join } from 'node:path';
import { initialDurableState, type DurableState } from '../../../core/raft/state.js';
import type { DurableStateStore } from './durable-state-store.js';
import { validateDurableState } from './durable-state-schema.js';
import { corrupt, decodeStateFile, type LoadedState } from './state-file-format.js';
import { nodeStateFileSystem, type StateFileSystem } from './state-file-system.js';
import {
  decodeSlotFile,
  encodeSlot,
  encodeSlotFile,
  encodeSlotPayload,
  isSlotFile,
  slotSizeFor,
} from './state-slots.js';
import { SerialQueue } from './serial-queue.js';
import { errorCodeOf, isUnwritableDirectoryError, unwritable } from './storage-failure.js';

/** The name predates format 3 (no longer JSON); kept so an older build refuses the file. */
export const stateFileName = 'raft-state.json';
/** Where a layout writes before its rename; a copy left by a crash is never read, only overwritten. */
export const stateTempFileName = `${stateFileName}.tmp`;
/** What the start-up probe writes, syncs and renames; it holds nothing and may be deleted. */
const writeProbeFileName = 'write-probe';

/** The slot file as this store last read or wrote it; the next save goes to the other slot. */
interface SlotCursor {
  readonly slotSize: number;
  /** The slot that holds the newest durable record: never written until the other one is. */
  readonly durableSlot: 0 | 1;
  readonly sequence: number;
}

/**
 * The durable Raft state in `<directory>/raft-state.json`, in the two-slot format of
 * state-slots.ts. A save rewrites the older slot in place with a synchronous write (O_DSYNC):
 * one durable write on the path of a vote or a campaign, instead of the temp file, fsync, rename
 * and directory fsync of the JSON format. The file is laid out afresh (temp file, fsync, rename,
 * directory fsync, so it is whole or absent) only when there is none yet, when it is in the JSON
 * format of elector 0.1 (migrated by the first save), or when the record outgrows its slot.
 *
 * A full volume stops saves as it did when each save wrote a new file: a save also checks that
 * the volume could take another copy of the state (statfs), since the restart's write probe and
 * a layout need one; otherwise the member would carry on until its next restart and then fail.
 * One process must own the directory.
 */
export class FileStateStore implements DurableStateStore {
  readonly #directory: string;
  readonly #path: string;
  readonly #tempPath: string;
  readonly #fileSystem: StateFileSystem;
  readonly #queue = new SerialQueue();
  /** null until a load or save saw a slot file: the next save lays the file out. */
  #cursor: SlotCursor | null = null;
  /** The newest sequence number seen, so a layout continues the count. */
  #sequence = 0;

  constructor(directory: string, fileSystem: StateFileSystem = nodeStateFileSystem) {
    this.#directory = directory;
    this.#path = join(directory, stateFileName);
    this.#tempPath = join(directory, stateTempFileName);
    this.#fileSystem = fileSystem;
  }

  /** The state file's path, as named in error messages. */
  get path(): string {
    return this.#path;
  }

  load(): Promise<LoadedState> {
    return this.#queue.run(async () => {
      let bytes: Uint8Array;
      try {
        bytes = await this.#fileSystem.readFile(this.#path);
      } catch (error) {
        if (errorCodeOf(error) === 'ENOENT') return initialDurableState;
        // ENOTDIR, EACCES, EIO...: the volume or the path is at fault, not the file's content.
        if (isUnwritableDirectoryError(error)) throw unwritable(`reading ${this.#path}`, error);
        throw corrupt(this.#path, `cannot be read (${describe(error)})`, error);
      }
      if (!isSlotFile(bytes)) return decodeStateFile(this.#path, bytes);
      const read = decodeSlotFile(bytes);
      if ('problem' in read) throw corrupt(this.#path, read.problem);
      this.#cursor = { slotSize: read.slotSize, durableSlot: read.slot, sequence: read.sequence };
      this.#sequence = Math.max(this.#sequence, read.sequence);
      return read.state;
    });
  }

  async save(state: DurableState): Promise<void> {
    // Validated before queueing, and queued synchronously, so saves keep their call order.
    const payload = encodeSlotPayload(validateDurableState(state));
    await this.#queue.run(async () => {
      const cursor = this.#cursor;
      if (cursor === null || slotSizeFor(payload) > cursor.slotSize) {
        await this.#layOut(payload, Math.max(slotSizeFor(payload), cursor?.slotSize ?? 0));
        return;
      }
      const slot = cursor.durableSlot === 0 ? 1 : 0;
      const sequence = this.#sequence + 1;
      // Another attempt writes the same slot again: the durable one stays untouched until then.
      this.#sequence = sequence;
      const bytes = encodeSlot(payload, sequence, cursor.slotSize);
      try {
        // Checked first, so a save refused for space leaves the file as it was.
        await this.#step(`check free space in ${this.#directory}`, () =>
          this.#checkSpace(cursor.slotSize),
        );
        await this.#step(`write and sync slot ${slot} of ${stateFileName}`, () =>
          this.#fileSystem.overwriteAndSync(this.#path, slot * cursor.slotSize, bytes),
        );
      } catch (error) {
        // The file or its directory was removed under us: make a new one rather than fail every save.
        if (errorCodeOf(error) !== 'ENOENT') throw error;
        await this.#layOut(payload, cursor.slotSize);
        return;
      }
      this.#cursor = { slotSize: cursor.slotSize, durableSlot: slot, sequence };
    });
  }

  /**
   * Writes, syncs and renames a small probe file beside the state file, the operations a layout
   * needs, so a read-only, full or misplaced directory is found at start rather than at the
   * first vote. Rejects with STATE_UNWRITABLE like `save`.
   */
  checkWritable(): Promise<void> {
    const probePath = join(this.#directory, writeProbeFileName);
    const probeTempPath = `${probePath}.tmp`;
    const bytes = Buffer.from('elector checks that it can save its state here\n', 'utf8');
    return this.#queue.run(async () => {
      await this.#step('create the directory', () =>
        this.#fileSystem.makeDirectory(this.#directory),
      );
      await this.#step(`write and sync ${basename(probeTempPath)}`, () =>
        this.#fileSystem.writeAndSync(probeTempPath, bytes),
      );
      await this.#step(`rename ${basename(probeTempPath)} over ${writeProbeFileName}`, () =>
        this.#fileSystem.rename(probeTempPath, probePath),
      );
      await this.#step(`sync directory ${this.#directory}`, () =>
        this.#fileSystem.syncDirectory(this.#directory),
      );
    });
  }

  /** Replaces the whole file with the record in slot 0, so after a crash it is old or new, whole. */
  async #layOut(payload: Uint8Array, slotSize: number): Promise<void> {
    const sequence = this.#sequence + 1;
    this.#sequence = sequence;
    // Until the rename is durable the old file may still be what a restart reads.
    this.#cursor = null;
    const bytes = encodeSlotFile(payload, sequence, slotSize);
    await this.#step('create the directory', () => this.#fileSystem.makeDirectory(this.#directory));
    await this.#step(`write and sync ${basename(this.#tempPath)}`, () =>
      this.#fileSystem.writeAndSync(this.#tempPath, bytes),
    );
    await this.#step(`rename ${basename(this.#tempPath)} over ${stateFileName}`, () =>
      this.#fileSystem.rename(this.#tempPath, this.#path),
    );
    await this.#step(`sync directory ${dirname(this.#path)}`, () =>
      this.#fileSystem.syncDirectory(this.#directory),
    );
    this.#cursor = { slotSize, durableSlot: 0, sequence };
  }

  /** Fails with ENOSPC when the volume could not take a fresh copy of the file's slot. */
  async #checkSpace(slotSize: number): Promise<void> {
    const available = await this.#fileSystem.availableBytes(this.#directory);
    if (available === null || available >= slotSize) return;
    throw Object.assign(
      new Error(
        `ENOSPC: ${available} bytes available on the volume, fewer than a ${slotSize}-byte copy of the state needs`,
      ),
      { code: 'ENOSPC' },
    );
  }

  async #step(what: string, operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      throw unwritable(`cannot save state to ${this.#path}: ${what}`, error);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
