import type { Random } from '../../core/random.js';

export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: Random;
}

/**
 * Capped exponential delay with "equal jitter": half of the step is fixed, half is random, so
 * members that failed together spread out but none retries at once.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return step / 2 + policy.random() * (step / 2);
}

/** Counts consecutive failures; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  nextDelayMs(): number {
    const delay = backoffDelayMs(this.policy, this.attempt);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Reads `signal.aborted` through a call, so the compiler does not carry a narrowing from before
 * an `await` to after it (the signal may have aborted meanwhile).
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    signal.addEventListener('abort', finish, { once: true });
  });
}

/**
 * A level-triggered wake-up for a loop: `wake()` before or during `wait()` ends the wait; wakes
 * are not counted, only remembered until the next `wait()`.
 */
export class Wakeup {
  private isPending = false;
  private release: (() => void) | null = null;

  wake(): void {
    this.isPending = true;
    this.release?.();
  }

  /** Resolves on `wake()`, after `ms`, or when `signal` aborts, whichever comes first. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.isPending) {
      const woken = new AbortController();
      this.release = () => {
        woken.abort();
      };
      try {
        await pause(ms, AbortSignal.any([signal, woken.signal]));
      } finally {
        this.release = null;
      }
    }
    this.isPending = false;
  }
}
