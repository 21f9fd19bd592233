import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { Backoff, type RetryDelays } from '../../runtime/backoff.js';
import { saveFailureReason, type StateSaveFailureReason } from './storage/storage-failure.js';

/** A member's durable state cannot be saved; it neither votes nor leads until a save succeeds. */
export interface StorageFault {
  /** Why the last save failed. */
  readonly reason: StateSaveFailureReason;
  /** The last failure's message: the path, the system's words and what to do. */
  readonly message: string;
  /** When (monotonic ms) the first failed save of this fault happened. */
  readonly since: number;
  /** Failed saves since then, the first included. */
  readonly failures: number;
  /** When (monotonic ms) the next save is tried. */
  readonly nextRetryAt: number;
}

/** Retries of a failed save: 1s, doubling to 30s, so a lasting fault costs two lines a minute. */
const defaultSaveRetryDelays: RetryDelays = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface StorageFaultTrackerOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: ElectionObserver;
  readonly retryDelays?: RetryDelays;
}

/**
 * Keeps the state of a failing disk for the driver: counts and logs each failed save once (an
 * error for the first, a warning for each retry, one per backoff step), says when to retry,
 * and logs the recovery.
 */
export class StorageFaultTracker {
  #fault: StorageFault | null = null;
  readonly #backoff: Backoff;

  constructor(private readonly options: StorageFaultTrackerOptions) {
    this.#backoff = new Backoff({
      ...(options.retryDelays ?? defaultSaveRetryDelays),
      random: options.random,
    });
  }

  /** The fault in force, or null while saves succeed. */
  current(): StorageFault | null {
    return this.#fault;
  }

  /** Records a failed save, logs and counts it; returns the delay in ms before the next try. */
  failed(error: unknown): number {
    const { clock, logger, observe } = this.options;
    const now = clock.now();
    const reason = saveFailureReason(error);
    const delayMs = this.#backoff.nextDelayMs();
    const previous = this.#fault;
    const message = error instanceof Error ? error.message : String(error);
    this.#fault = {
      reason,
      message,
      since: previous?.since ?? now,
      failures: (previous?.failures ?? 0) + 1,
      nextRetryAt: now + delayMs,
    };
    observe({ type: 'state-save-failed', reason });
    observe({
      type: 'backend-error',
      operation: 'persist',
      code: error instanceof ElectorError ? error.code : 'STATE_UNWRITABLE',
    });
    const fields = {
      event: 'raft.state-save-failed',
      reason,
      failures: this.#fault.failures,
      retryInMs: Math.round(delayMs),
      err: error,
    };
    const retry = `retrying in ${(delayMs / 1000).toFixed(1)}s`;
    if (previous === null) {
      logger.error(
        fields,
        `cannot save the durable state (${reason}): this member stops voting and leading until a save succeeds; ${retry}`,
      );
    } else {
      logger.warn(
        fields,
        `still cannot save the durable state (${reason}, ${this.#fault.failures} failures); ${retry}`,
      );
    }
    return delayMs;
  }

  /** A save succeeded: ends the fault (logging the recovery) and resets the backoff. */
  succeeded(): void {
    const fault = this.#fault;
    if (fault === null) return;
    this.#fault = null;
    this.#backoff.reset();
    const downMs = Math.round(this.options.clock.now() - fault.since);
    this.options.logger.info(
      { event: 'raft.state-save-recovered', failures: fault.failures, downMs },
      `the durable state can be saved again after ${fault.failures} failed saves over ${(downMs / 1000).toFixed(1)}s; this member votes and campaigns again`,
    );
  }
}
