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
  joined(): void;
  hasJoined(): boolean;
  /**
   * Before joining, ends start() with `error` and returns true: the loop should end. After
   * joining it returns false and changes nothing.
   */
  failStart(error: ElectorError): boolean;
  /**
   * After a failed attempt: returns false when the loop should end (`error` is not retryable and
   * start() was failed with it, or the signal aborted); otherwise waits the next backoff delay
   * (the cap for an error no retry can fix soon) and returns true.
   */
  retryAfter(error: ElectorError): Promise<boolean>;
  /** After a successful attempt: the next failure waits the shortest delay again. */
  succeeded(): void;
}

export type CampaignPhase = 'not-started' | 'running' | 'stopped';

/**
 * The lifecycle the lease-style backends share: start once, a joined gate for start(), retry
 * with backoff on the injected clock and random source, and a promise of the loop's end.
 */
export class CampaignRunner {
  private currentPhase: CampaignPhase = 'not-started';
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: CampaignRunnerOptions) {}

  /**
   * Runs `loop` until it returns. Resolves once the loop calls `joined()`, or when `signal`
   * aborts first; rejects with the error of `failStart()`, with INTERNAL if the loop ends
   * without either, and with INTERNAL when called a second time.
   */
  start(signal: AbortSignal, loop: (campaign: Campaign) => Promise<void>): Promise<void> {
    const { backend, logger } = this.options;
    if (this.currentPhase !== 'not-started') {
      return Promise.reject(secondStartError(backend));
    }
    this.currentPhase = 'running';
    const gate = new JoinedGate(signal);
    const backoff = new Backoff({ ...this.options.retry, random: this.options.random });
    const campaign: Campaign = {
      signal,
      joined: () => {
        gate.open();
      },
      hasJoined: () => gate.hasJoined,
      failStart: (error) => gate.fail(error),
      retryAfter: async (error) => {
        if (!error.retryable && gate.fail(error)) return false;
        const delayMs = error.retryable ? backoff.nextDelayMs() : this.options.retry.maxDelayMs;
        await pause(this.options.clock, delayMs, signal);
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
        gate.fail(new ElectorError('INTERNAL', `${backend} campaign ended before joining`));
        this.options.onStopped?.();
      });
    return gate.promise;
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

/** What every backend's start() rejects with when it is called a second time. */
export function secondStartError(backend: BackendName): ElectorError {
  return new ElectorError('INTERNAL', `${backend} backend: start() may be called only once`);
}

/** start()'s promise: settles once, when the member joins, fails to start, or is stopped first. */
class JoinedGate {
  readonly promise: Promise<void>;
  hasJoined = false;
  private settle: { resolve(): void; reject(error: ElectorError): void } | null = null;

  constructor(signal: AbortSignal) {
    this.promise = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const onAbort = (): void => {
      this.settle?.resolve();
      this.settle = null;
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  open(): void {
    this.hasJoined = true;
    this.settle?.resolve();
    this.settle = null;
  }

  fail(error: ElectorError): boolean {
    if (this.settle === null) return false;
    this.settle.reject(error);
    this.settle = null;
    return true;
  }
}
