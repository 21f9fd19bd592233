import type { Logger } from 'pino';
import type { BackendName } from '../core/backend-name.js';
import type { Clock } from '../core/clock.js';
import { ElectorError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { pause } from '../runtime/abortable.js';
import { Backoff, type RetryDelays } from '../runtime/backoff.js';

export interface CampaignRunnerOptions {
  readonly backend: BackendName;
  readonly clock: Clock;
  readonly random: Random;
  /** The backoff between failed attempts (capped, jittered by `random`). */
  readonly retry: RetryDelays;
  readonly logger: Logger;
  /** Called once the loop has returned and the phase is `stopped`, before stopped() resolves. */
  readonly onStopped?: () => void;
}

/** What a campaign loop is handed: its signal, the joined gate, and the retry backoff. */
export interface Campaign {
  /** start()'s signal: the loop runs until it aborts. */
  readonly signal: AbortSignal;
  /** The member has joined: start() resolves. Later calls do nothing. */
  readonly joined: () => void;
  /** Before joining, ends start() with `error` and returns true (end the loop); after, false. */
  failStart(error: ElectorError): boolean;
  /**
   * After a failed attempt: false when the loop should end (`error` is not retryable and failed
   * start(), or the signal aborted); otherwise true, after the next backoff delay on the clock
   * (the cap for an error no retry fixes soon).
   */
  retryAfter(error: ElectorError): Promise<boolean>;
  /** After a successful attempt: the next failure waits the shortest delay again. */
  succeeded(): void;
}

export type CampaignPhase = 'not-started' | 'running' | 'stopped';

/** What every backend's start() rejects with when it is called a second time. */
export function secondStartError(backend: BackendName): ElectorError {
  return new ElectorError('INTERNAL', `${backend} backend: start() may be called only once`);
}

/**
 * The lifecycle the lease-style backends share: start once, a joined gate for start(), retry
 * with backoff on the injected clock and random source, and a promise of the loop's end.
 */
export class CampaignRunner {
  private currentPhase: CampaignPhase = 'not-started';
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: CampaignRunnerOptions) {}

  /**
   * Runs `loop` until it returns. Resolves once the loop calls `joined()` or `signal` aborts;
   * rejects with the error of `failStart()`, with INTERNAL if the loop ends before either, and
   * with INTERNAL (secondStartError) when called a second time.
   */
  start(signal: AbortSignal, loop: (campaign: Campaign) => Promise<void>): Promise<void> {
    const { backend, logger, clock, retry } = this.options;
    if (this.currentPhase !== 'not-started') return Promise.reject(secondStartError(backend));
    this.currentPhase = 'running';
    let gate: { resolve(): void; reject(error: ElectorError): void } | null = null;
    const joined = new Promise<void>((resolve, reject) => {
      gate = { resolve, reject };
    });
    const settle = (error: ElectorError | null): boolean => {
      const pending = gate;
      gate = null;
      if (error === null) pending?.resolve();
      else pending?.reject(error);
      return pending !== null;
    };
    if (signal.aborted) settle(null);
    signal.addEventListener('abort', () => settle(null), { once: true });
    const backoff = new Backoff({ ...retry, random: this.options.random });
    const campaign: Campaign = {
      signal,
      joined: () => settle(null),
      failStart: (error) => settle(error),
      retryAfter: async (error) => {
        if (!error.retryable && settle(error)) return false;
        await pause(clock, error.retryable ? backoff.nextDelayMs() : retry.maxDelayMs, signal);
        return !signal.aborted;
      },
      succeeded: () => {
        backoff.reset();
      },
    };
    this.finished = loop(campaign)
      .catch((error: unknown) => {
        // The loop handles its own failures; reaching here is a bug, never a crash.
        logger.error({ event: 'backend.crashed', err: error }, `${backend} campaign loop failed`);
      })
      .then(() => {
        this.currentPhase = 'stopped';
        settle(new ElectorError('INTERNAL', `${backend} campaign ended before joining`));
        this.options.onStopped?.();
      });
    return joined;
  }

  /** not-started, running, or stopped (the loop has returned). */
  phase(): CampaignPhase {
    return this.currentPhase;
  }

  /** Resolves once the loop has returned; at once if start() was never called. Never rejects. */
  stopped(): Promise<void> {
    return this.finished;
  }
}
