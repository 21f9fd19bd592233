import { basename, dirname, join } from 'node:path';
import { initialDurableState, type DurableState } from '../../../core/raft/state.js';
import type { DurableStateStore } from './durable-state-store.js';
import { validateDurableState } from './durable-state-schema.js';
import {
  corrupt,
  decodeStateFile,
  encodeStateFile,
  type LoadedState,
} from './state-file-format.js';
import { nodeStateFileSystem, type StateFileSystem } from './state-file-system.js';
import { SerialQueue } from './serial-queue.js';
import { errorCodeOf, isUnwritableDirectoryError, unwritable } from './storage-failure.js';

export const stateFileName = 'raft-state.json';
/** Where a save writes before its rename; a copy left by a crash is never read, only overwritten. */
export const stateTempFileName = `${stateFileName}.tmp`;
/** What the start-up probe writes, syncs and renames; it holds nothing and may be deleted. */
const writeProbeFileName = 'write-probe';

/**
 * The durable Raft state in `<directory>/raft-state.json`. A save writes a temp file, fsyncs it,
 * renames it over the state file and fsyncs the directory, so after a crash the file holds
 * either the old or the new state, complete. One process must own the directory.
 */
export class FileStateStore implements DurableStateStore {
  readonly #directory: string;
  readonly #path: string;
  readonly #tempPath: string;
  readonly #fileSystem: StateFileSystem;
  readonly #queue = new SerialQueue();

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
      return decodeStateFile(this.#path, bytes);
    });
  }

  async save(state: DurableState): Promise<void> {
    // Validated before queueing, and queued synchronously, so saves keep their call order.
    const valid = validateDurableState(state);
    const bytes = Buffer.from(encodeStateFile(valid), 'utf8');
    await this.#queue.run(async () => {
      await this.#step('create the directory', () =>
        this.#fileSystem.makeDirectory(this.#directory),
      );
      await this.#step(`write and sync ${basename(this.#tempPath)}`, () =>
        this.#fileSystem.writeAndSync(this.#tempPath, bytes),
      );
      await this.#step(`rename ${basename(this.#tempPath)} over ${stateFileName}`, () =>
        this.#fileSystem.rename(this.#tempPath, this.#path),
      );
      await this.#step(`sync directory ${dirname(this.#path)}`, () =>
        this.#fileSystem.syncDirectory(this.#directory),
      );
    });
  }

  /**
   * Writes, syncs and renames a small probe file beside the state file, the operations a save
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
