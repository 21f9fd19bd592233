import type { Clock } from '../../../core/clock.js';

export interface RateDecision {
  readonly shouldLog: boolean;
  /** How many events of this key were suppressed since the last one logged. */
  readonly suppressed: number;
}

/**
 * Lets one log line per key through per interval, so a peer spraying garbage cannot flood the
 * log: drops are still counted in metrics, only their warnings are thinned. Keys are evicted
 * oldest-first beyond `maxKeys`, so an attacker cycling identities cannot grow it without bound.
 */
export class LogRateLimiter {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(clock: Clock, intervalMs = 60_000, maxKeys = 1024) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#maxKeys = maxKeys;
  }

  check(key: string): RateDecision {
    const now = this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && now - entry.loggedAt < this.#intervalMs) {
      entry.suppressed += 1;
      return { shouldLog: false, suppressed: entry.suppressed };
    }
    this.#entries.delete(key);
    this.#entries.set(key, { loggedAt: now, suppressed: 0 });
    if (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return { shouldLog: true, suppressed: entry?.suppressed ?? 0 };
  }
}
