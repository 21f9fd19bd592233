/** Abortable waiting: every loop of the backend waits through these, so aborting ends it. */

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
