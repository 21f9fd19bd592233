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
