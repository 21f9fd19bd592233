import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, statfs } from 'node:fs/promises';

/** The few file operations the state file needs, so tests can watch their order or fail one. */
export interface StateFileSystem {
  /** Rejects with an ENOENT error when the file does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or truncates `path`, writes `data`, and resolves only after fsync returned. */
  writeAndSync(path: string, data: Uint8Array): Promise<void>;
  /**
   * Writes `data` at byte `position` of the existing file `path`, in place, and resolves only
   * once the data is durable (fdatasync's guarantee). Never creates the file (rejects with
   * ENOENT when it is missing); the caller keeps the write inside the file, so its length and
   * blocks stay as they were.
   */
  overwriteAndSync(path: string, position: number, data: Uint8Array): Promise<void>;
  /**
   * Bytes an unprivileged writer may still allocate on the filesystem that holds `path`
   * (statfs: available blocks × block size); null when the filesystem reports no size at all.
   */
  availableBytes(path: string): Promise<number | null>;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): Promise<void>;
  /** fsyncs a directory, making a rename in it durable. */
  syncDirectory(path: string): Promise<void>;
  /** Creates the directory and its parents if missing. */
  makeDirectory(path: string): Promise<void>;
}

export const nodeStateFileSystem: StateFileSystem = {
  readFile: (path) => readFile(path),
  async writeAndSync(path, data) {
    const handle = await open(path, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async overwriteAndSync(path, position, data) {
    // Opened per write rather than kept open: a descriptor open for writing makes
    // `mount -o remount,ro` fail with EBUSY, and it costs about 0.1 ms (state-slots.ts).
    // O_DSYNC makes each write return only once its data is durable, as fdatasync would: one
    // thread-pool round trip fewer on the path of every vote and term change.
    const handle = await open(path, constants.O_RDWR | constants.O_DSYNC);
    try {
      for (let written = 0; written < data.byteLength;) {
        const { bytesWritten } = await handle.write(
          data,
          written,
          data.byteLength - written,
          position + written,
        );
        // A regular file takes the whole write or throws; a zero-byte write would loop forever.
        if (bytesWritten === 0)
          throw new Error(`${path}: the write at ${position} made no progress`);
        written += bytesWritten;
      }
    } finally {
      await handle.close();
    }
  },
  async availableBytes(path) {
    const stats = await statfs(path);
    return stats.blocks === 0 ? null : stats.bavail * stats.bsize;
  },
  rename: (from, to) => rename(from, to),
  async syncDirectory(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async makeDirectory(path) {
    await mkdir(path, { recursive: true, mode: 0o700 });
  },
};
