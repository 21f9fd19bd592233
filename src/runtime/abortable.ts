// Abortable waiting for every loop of the sidecar: each waits through these, so aborting its
// signal ends it promptly and nothing rejects on abort unless asked to. Timers run on the
// injected Clock, so a test can drive them with a manual one.
import type { CancelTimer, Clock } from '../core/clock.js';

/**
 * Reads `signal.aborted` through a call, so the compiler does not carry a narrowing from before
 * an `await` to after it (the signal may have aborted meanwhile).
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * A level-triggered wake-up for a loop: a `wake()` before or during `wait()` ends the wait (every
 * waiter's). Wakes are not counted, only remembered until the next `wait()`, so none is lost.
 */
export class Wakeup {
  private isPending = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  wake(): void {
    this.isPending = true;
    for (const release of [...this.waiters]) release();
  }

  /** Wakes after `ms` on the clock. */
  wakeIn(ms: number): void {
    this.clock.setTimer(ms, () => {
      this.wake();
    });
  }

  /** Resolves on `wake()`, after `ms` (may be Infinity), or when `signal` aborts; never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.isPending || signal.aborted) {
      this.isPending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const release = (): void => {
        cancelTimer();
        signal.removeEventListener('abort', release);
        this.waiters.delete(release);
        this.isPending = false;
        resolve();
      };
      const cancelTimer: CancelTimer = Number.isFinite(ms)
        ? this.clock.setTimer(ms, release)
        : () => undefined;
      signal.addEventListener('abort', release, { once: true });
      this.waiters.add(release);
    });
  }
}

/** Resolves after `ms` on `clock` (a zero or negative wait yields to it), or at once when `signal` aborts; never rejects. */
export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Wakeup(clock).wait(ms, signal);
}

/** Settles like `promise`, or rejects with the abort reason as soon as `signal` aborts. */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves once `promise` settles or `signal` aborts, whichever comes first. Never rejects. */
export function untilSettledOrAborted(
  promise: Promise<unknown>,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      signal.removeEventListener('abort', finish);
      resolve();
    };
    signal.addEventListener('abort', finish, { once: true });
    if (signal.aborted) finish();
    promise.then(finish, finish);
  });
}
