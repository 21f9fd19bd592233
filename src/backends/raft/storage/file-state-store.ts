import { basename, dirname, join } from 'node:path';
import { ElectorError } from '../../../core/errors.js';
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

export const stateFileName = 'raft-state.json';
/** Where a save writes before its rename; a copy left by a crash is never read, only overwritten. */
export const stateTempFileName = `${stateFileName}.tmp`;

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
        if (errorCode(error) === 'ENOENT') return initialDurableState;
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

  async #step(what: string, operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      throw new ElectorError(
        'STATE_UNWRITABLE',
        `cannot save state to ${this.#path}: ${what} failed (${describe(error)})`,
        { retryable: true, cause: error },
      );
    }
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
