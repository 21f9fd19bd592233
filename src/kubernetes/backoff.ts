// Capped, jittered, abortable waiting for the label writer and the Lease backend.
import type { Random } from '../core/random.js';

export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: Random;
}

/**
 * Capped exponential delay with "equal jitter": half of the step is fixed, half random, so
 * members that failed together spread out but none retries at once.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  nextDelayMs(): number {
    const step = Math.min(
      this.policy.maxDelayMs,
      this.policy.baseDelayMs * 2 ** Math.min(this.attempt, 30),
    );
    this.attempt += 1;
    return step / 2 + this.policy.random() * (step / 2);
  }

  /** Consecutive failures so far. */
  failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Reads `signal.aborted` through a call, so the compiler does not carry a narrowing from before
 * an `await` to after it.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * A level-triggered wake-up for a loop: a `wake()` before or during `wait()` ends the wait.
 * Wakes are not counted, only remembered until the next `wait()`.
 */
export class Wakeup {
  private isPending = false;
  private release: (() => void) | null = null;

  wake(): void {
    this.isPending = true;
    this.release?.();
  }

  /** Resolves on `wake()`, after `ms` (may be Infinity), or when `signal` aborts; never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.isPending || signal.aborted) {
      this.isPending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = (): void => {
        if (timer !== null) clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        this.release = null;
        this.isPending = false;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(finish, Math.max(0, ms)) : null;
      signal.addEventListener('abort', finish, { once: true });
      this.release = finish;
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Wakeup().wait(ms, signal);
}
