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
    try {
      const response = await fetch(url, { signal: this.controller.signal });
      const reader = response.body?.getReader();
      if (reader === undefined) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const data = buffer
            .slice(0, boundary)
            .split('\n')
            .find((line) => line.startsWith('data: '));
          buffer = buffer.slice(boundary + 2);
          if (data !== undefined) this.deliver(JSON.parse(data.slice(6)) as LeaderEvent);
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // The member died or the watch was closed: a trial waits on the other survivors.
    }
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
