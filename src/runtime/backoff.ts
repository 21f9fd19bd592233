// Capped, jittered retry delays for every reconnect and retry loop of the sidecar.
import type { Random } from '../core/random.js';

/** The delays of a backoff: the first step, doubling up to the cap. */
export interface RetryDelays {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface BackoffPolicy extends RetryDelays {
  readonly random: Random;
}

/**
 * The delay before retry number `attempt` (0 for the first): capped exponential with "equal
 * jitter", half of the step fixed and half random, so members that failed together spread out
 * but none retries at once.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
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

  /** Consecutive failures so far. */
  failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
