/**
 * Waits `ms` milliseconds on a Node timer (a negative or zero wait yields to the event loop).
 * Resolves early, never rejects, when `signal` aborts, so loops check the signal afterwards.
 */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
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
 * Reads `signal.aborted` through a call, so the compiler does not carry a narrowing from before
 * an `await` to after it.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
