import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import type { ElectionObserver } from '../../core/election-events.js';
import type { Clock } from '../../core/clock.js';
import { pause } from '../../runtime/abortable.js';

/** How a watch's notifications are counted: campaign wake-ups, or leader notices. */
export type WatchEventType = 'watch-event' | 'leader-watch-event';

export interface KeyWatchEvents {
  onDeleted(): void;
  /** When given, puts are watched too (the handover record); otherwise only deletions. */
  onPut?(): void;
  /** etcd confirmed the watch: from now on every deletion at or after the start revision arrives. */
  onConnected(): void;
  /**
   * The watch stream broke. etcd3 would resume on its own, but it resumes from the create
   * response's revision and can skip events not yet delivered, so the owner cancels this watch,
   * re-reads and watches again.
   */
  onDisconnected(): void;
}

/**
 * Watches one key for its deletion, from `startRevision` on, so a deletion between the read
 * that found the key and the watch's creation is still delivered. Each event received is
 * counted with `observe({ type: countedAs })`. Events stop once `cancel()` is called.
 */
export class KeyWatch {
  private readonly watcher: Watcher;
  private isActive = true;
  private hasConnected = false;

  constructor(
    client: Etcd3,
    readonly key: string,
    startRevision: bigint,
    private readonly observe: ElectionObserver,
    private readonly logger: Logger,
    private readonly events: KeyWatchEvents,
    countedAs: WatchEventType = 'watch-event',
  ) {
    const builder = client.watch().key(key).startRevision(startRevision.toString());
    this.watcher = (events.onPut === undefined ? builder.only('delete') : builder).watcher();
    // etcd3 rethrows listener exceptions on a later tick, which would crash the process, so
    // every listener below is wrapped.
    this.watcher.on('data', (response) => {
      // Counted even after cancel(): the events reached this member either way.
      response.events.forEach(() => {
        this.observe({ type: countedAs });
      });
      this.guard('data', () => {
        this.onData(response);
      });
    });
    this.watcher.on('connected', () => {
      this.guard('connected', () => {
        this.hasConnected = true;
        this.events.onConnected();
      });
    });
    this.watcher.on('disconnected', () => {
      this.guard('disconnected', () => {
        this.hasConnected = false;
        this.events.onDisconnected();
      });
    });
    this.watcher.on('error', (error) => {
      // e.g. "required revision has been compacted": this watch cannot continue.
      this.logger.warn(
        { event: 'etcd.watch.error', key, err: error.message },
        'etcd watch cancelled by the server',
      );
      this.guard('error', () => {
        this.hasConnected = false;
        this.events.onDisconnected();
      });
    });
  }

  get isConnected(): boolean {
    return this.isActive && this.hasConnected;
  }

  /** Cancels the watch, waiting at most `timeoutMs` on `clock` for etcd to confirm. Never rejects. */
  async cancel(clock: Clock, timeoutMs: number): Promise<void> {
    if (!this.isActive) return;
    this.isActive = false;
    const timeout = new AbortController();
    const cancelled = this.watcher.cancel().then(
      () => 'cancelled' as const,
      (error: unknown) => {
        this.logger.warn(
          { event: 'etcd.watch.cancel-failed', key: this.key, err: String(error) },
          'etcd watch cancel failed; the stream drops it on reconnect',
        );
        return 'failed' as const;
      },
    );
    const timedOut = pause(clock, timeoutMs, timeout.signal).then(() => 'timed-out' as const);
    const outcome = await Promise.race([cancelled, timedOut]);
    timeout.abort();
    if (outcome === 'timed-out') {
      this.logger.debug(
        { event: 'etcd.watch.cancel-slow', key: this.key },
        'etcd watch cancel unconfirmed',
      );
    }
  }

  private onData(response: IWatchResponse): void {
    for (const event of response.events) {
      this.logger.debug(
        { event: 'etcd.watch.event', key: this.key, type: event.type },
        'watch event',
      );
      if (event.type === 'Delete') this.events.onDeleted();
      else this.events.onPut?.();
    }
  }

  private guard(what: string, action: () => void): void {
    if (!this.isActive) return;
    try {
      action();
    } catch (error) {
      this.logger.error(
        { event: 'etcd.watch.listener-failed', key: this.key, what, err: String(error) },
        'watch listener threw; event dropped',
      );
    }
  }
}
