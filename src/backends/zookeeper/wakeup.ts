/**
 * Wakes the campaign loop when something changed (a watch fired, the connection changed, a
 * command arrived). A notification that arrives while nobody waits is kept, so none is lost.
 */
export class Wakeup {
  private isPending = false;
  private readonly waiters = new Set<() => void>();

  notify(): void {
    this.isPending = true;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next notification, after `timeoutMs` (may be Infinity), or on abort. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.isPending || signal.aborted) {
      this.isPending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = (): void => {
        if (timer !== null) clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        this.isPending = false;
        resolve();
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(wake, Math.max(0, timeoutMs)) : null;
      signal.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
    });
  }
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Wakeup().wait(ms, signal);
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
