import { mkdir, open, readFile, rename } from 'node:fs/promises';

/** The few file operations the state file needs, so tests can watch their order or fail one. */
export interface StateFileSystem {
  /** Rejects with an ENOENT error when the file does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or truncates `path`, writes `data`, and resolves only after fsync returned. */
  writeAndSync(path: string, data: Uint8Array): Promise<void>;
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
