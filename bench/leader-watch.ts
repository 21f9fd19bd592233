import { followRecords } from './stream-records.js';

/**
 * Follows GET /leader/watch (server-sent events) of one member: `ready` resolves with the first
 * event (the stream is live), and `next(accept)` with the instant a later event names a leader
 * that `accept` likes, which is when that survivor reports the new leader.
 */
export interface LeaderEvent {
  readonly id: string | null;
  readonly fencingToken: number | null;
}

export class LeaderWatch {
  readonly ready: Promise<void>;
  private readonly controller = new AbortController();
  private readonly waiters: {
    accept: (event: LeaderEvent) => boolean;
    resolve: (at: number) => void;
  }[] = [];
  private markReady: () => void = () => undefined;

  constructor(url: string) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    void this.follow(url);
  }

  next(accept: (event: LeaderEvent) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ accept, resolve }));
  }

  close(): void {
    this.controller.abort();
  }

  private async follow(url: string): Promise<void> {
    await followRecords(url, '\n\n', this.controller.signal, (record) => {
      const data = record.split('\n').find((line) => line.startsWith('data: '));
      if (data !== undefined) this.deliver(JSON.parse(data.slice(6)) as LeaderEvent);
    });
  }

  private deliver(event: LeaderEvent): void {
    const at = performance.now();
    this.markReady();
    for (const waiter of [...this.waiters]) {
      if (waiter.accept(event)) {
        waiter.resolve(at);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
      }
    }
  }
}
