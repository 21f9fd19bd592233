import { open, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ElectionState } from '../backends/backend.js';

/**
 * Keeps a JSON file with the current leader up to date, for workloads that read a shared
 * volume instead of calling the API. Each write goes to a temp file that is synced and renamed
 * over the target, so a reader never sees a torn file. Writes coalesce to the latest state.
 */
export class LeaderFileWriter {
  private pending: ElectionState | null = null;
  private isWriting = false;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  update(state: ElectionState): void {
    this.pending = state;
    if (!this.isWriting) void this.drain();
  }

  private async drain(): Promise<void> {
    this.isWriting = true;
    try {
      while (this.pending !== null) {
        const state = this.pending;
        this.pending = null;
        try {
          await this.write(state);
        } catch (error) {
          this.logger.warn(
            { event: 'leader-file.failed', path: this.path, err: error },
            'could not write the leader file',
          );
        }
      }
    } finally {
      this.isWriting = false;
    }
  }

  private async write(state: ElectionState): Promise<void> {
    const temporary = `${this.path}.tmp`;
    const body = {
      leader: state.leader,
      address: state.leaderAddress,
      fencingToken: state.leader === null ? null : state.fencingToken.toString(),
      term: state.term.toString(),
      isSelf: state.isSelf,
      updatedAt: new Date().toISOString(),
    };
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(`${JSON.stringify(body)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
  }
}
