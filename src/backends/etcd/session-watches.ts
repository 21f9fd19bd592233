import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { Backoff, type BackoffPolicy } from '../../runtime/backoff.js';
import { KeyWatch, type KeyWatchEvents, type WatchEventType } from './key-watch.js';

export interface SessionWatchContext {
  readonly client: Etcd3;
  readonly clock: Clock;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
  readonly retry: BackoffPolicy;
  readonly requestTimeoutMs: number;
}

export interface SessionWatchEvents {
  /** Our own key was deleted: the session is over. */
  onOwnKeyDeleted(): void;
  /** The watch on our key is live: from now on its deletion would be seen. */
  onOwnWatchConnected(): void;
  /** The watch on our key broke: a deletion could go unseen until it is re-created. */
  onOwnWatchLost(): void;
  /** The predecessor is gone, or a watch broke: re-read the queue. */
  onRecheck(): void;
  /** The leader's key is gone (we are behind the successor): re-read who leads soon. */
  onLeaderGone(): void;
}

/**
 * The watches of a session: on our own key (to stop at once if it is deleted), on our immediate
 * predecessor (to re-check when it goes), behind the successor on the leader's key (only to
 * re-read who leads when it goes; no herd: it wakes nobody to campaign), and, on every member but
 * the leader, on the handover record (to step aside when a handover asks it to). A broken watch is
 * dropped, not resumed (see KeyWatch), and re-created from a fresh read after a jittered
 * backoff, so a failing stream cannot spin.
 */
export class SessionWatches {
  private own: KeyWatch | null = null;
  private predecessor: KeyWatch | null = null;
  private leader: KeyWatch | null = null;
  private handover: KeyWatch | null = null;
  private readonly cancelling = new Set<Promise<void>>();
  private readonly retry: Backoff;
  private retryAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: SessionWatchContext,
    private readonly events: SessionWatchEvents,
  ) {
    this.retry = new Backoff(context.retry);
  }

  get isOwnWatchConnected(): boolean {
    return this.own?.isConnected === true;
  }

  /** Milliseconds until a broken watch may be re-created; 0 if it may be now. */
  msUntilRetry(): number {
    return Math.max(0, this.retryAt - this.context.clock.now());
  }

  /** Watches our key from `fromRevision` on, unless already watching or backing off. */
  watchOwnKey(key: string, fromRevision: bigint): void {
    if (this.own !== null || this.msUntilRetry() > 0) return;
    const watch: KeyWatch = this.create(key, fromRevision, {
      onDeleted: () => {
        this.events.onOwnKeyDeleted();
      },
      onConnected: () => {
        this.retry.reset();
        this.events.onOwnWatchConnected();
      },
      onDisconnected: () => {
        if (this.own === watch) this.own = null;
        this.broken(watch);
        this.events.onOwnWatchLost();
      },
    });
    this.own = watch;
  }

  /** Watches `key` (null: we lead, watch nothing) from `fromRevision`, replacing an older target. */
  followPredecessor(key: string | null, fromRevision: bigint): void {
    const onDeleted = (): void => {
      this.events.onRecheck();
    };
    this.predecessor = this.follow(this.predecessor, key, fromRevision, 'watch-event', onDeleted);
  }

  /**
   * Watches the leader's key (null: none to watch, because we lead or our predecessor is the
   * leader and is watched already), replacing an older target.
   */
  followLeader(key: string | null, fromRevision: bigint): void {
    const onDeleted = (): void => {
      this.events.onLeaderGone();
    };
    this.leader = this.follow(this.leader, key, fromRevision, 'leader-watch-event', onDeleted);
  }

  /**
   * Watches the handover record's key (null: we lead, watch nothing) for any change, so a member
   * ahead of a handover's target re-reads the queue and steps aside at once.
   */
  followHandoverRecord(key: string | null, fromRevision: bigint): void {
    const current = this.handover;
    if (current?.key === key) return;
    this.drop(current);
    this.handover = null;
    if (key === null || this.msUntilRetry() > 0) return;
    const recheck = (): void => {
      this.events.onRecheck();
    };
    const watch: KeyWatch = this.create(key, fromRevision, {
      onDeleted: recheck,
      onPut: recheck,
      onConnected: () => {
        this.retry.reset();
      },
      onDisconnected: () => {
        if (this.handover === watch) this.handover = null;
        this.broken(watch);
        this.events.onRecheck();
      },
    });
    this.handover = watch;
  }

  private follow(
    current: KeyWatch | null,
    key: string | null,
    fromRevision: bigint,
    countedAs: WatchEventType,
    onDeleted: () => void,
  ): KeyWatch | null {
    if (current?.key === key) return current;
    this.drop(current);
    if (key === null || this.msUntilRetry() > 0) return null;
    const watch: KeyWatch = this.create(
      key,
      fromRevision,
      {
        onDeleted,
        onConnected: () => {
          this.retry.reset();
        },
        onDisconnected: () => {
          if (this.predecessor === watch) this.predecessor = null;
          if (this.leader === watch) this.leader = null;
          this.broken(watch);
          this.events.onRecheck();
        },
      },
      countedAs,
    );
    return watch;
  }

  /** Cancels every watch and waits (bounded) until etcd has confirmed every cancel. */
  async close(): Promise<void> {
    this.drop(this.own);
    this.drop(this.predecessor);
    this.drop(this.leader);
    this.drop(this.handover);
    this.own = null;
    this.predecessor = null;
    this.leader = null;
    this.handover = null;
    await Promise.all(this.cancelling);
  }

  private create(
    key: string,
    fromRevision: bigint,
    events: KeyWatchEvents,
    countedAs: WatchEventType = 'watch-event',
  ): KeyWatch {
    const { client, observe, logger } = this.context;
    return new KeyWatch(client, key, fromRevision, observe, logger, events, countedAs);
  }

  private broken(watch: KeyWatch): void {
    this.retryAt = this.context.clock.now() + this.retry.nextDelayMs();
    this.drop(watch);
  }

  private drop(watch: KeyWatch | null): void {
    if (watch === null) return;
    const cancelled = watch.cancel(this.context.clock, this.context.requestTimeoutMs);
    this.cancelling.add(cancelled);
    void cancelled.then(() => this.cancelling.delete(cancelled));
  }
}
