import type { Random } from '../../core/random.js';

/** Capped exponential backoff between connection attempts. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialDelayMs: 50, maxDelayMs: 2000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): the ceiling doubles from
 * `initialDelayMs` up to `maxDelayMs`, and the delay is drawn from [ceiling/2, ceiling), so
 * members that lost a peer at the same moment do not all redial it in step.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: Random): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Resolves after `delayMs`, or at once when `signal` aborts (never rejects). */
export function sleepUnlessAborted(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
