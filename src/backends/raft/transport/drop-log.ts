import type { Clock } from '../../../core/clock.js';

export interface RateDecision {
  readonly shouldLog: boolean;
  /** How many events of this key were suppressed since the last one logged. */
  readonly suppressed: number;
  /**
   * Set on a line let through when the global budget had held lines back since the last one
   * logged: how many, of any key.
   */
  readonly suppressedByBudget?: number;
}

/** Lines any keys together may log per interval, unless the caller says otherwise. */
const defaultLinesPerInterval = 20;

/**
 * Lets one log line per key through per interval, so a peer spraying garbage cannot flood the
 * log: drops are still counted in metrics, only their warnings are thinned. Keys are evicted
 * oldest-first beyond `maxKeys`, so an attacker cycling identities cannot grow it without bound;
 * and all keys together get at most `linesPerInterval` lines, so one cycling through source
 * addresses (each a new key) cannot flood the log either.
 */
export class LogRateLimiter {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #linesPerInterval: number;
  readonly #entries = new Map<string, { loggedAt: number; suppressed: number }>();
  #windowStartedAt = -Infinity;
  #linesInWindow = 0;
  #suppressedByBudget = 0;

  constructor(
    clock: Clock,
    intervalMs = 60_000,
    maxKeys = 1024,
    linesPerInterval = defaultLinesPerInterval,
  ) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#maxKeys = maxKeys;
    this.#linesPerInterval = linesPerInterval;
  }

  check(key: string): RateDecision {
    const now = this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && now - entry.loggedAt < this.#intervalMs) {
      entry.suppressed += 1;
      return { shouldLog: false, suppressed: entry.suppressed };
    }
    if (now - this.#windowStartedAt >= this.#intervalMs) {
      this.#windowStartedAt = now;
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow >= this.#linesPerInterval) {
      // A new key is not remembered: its first line after the budget frees up is logged.
      this.#suppressedByBudget += 1;
      if (entry !== undefined) entry.suppressed += 1;
      return { shouldLog: false, suppressed: entry?.suppressed ?? 1 };
    }
    this.#linesInWindow += 1;
    const suppressedByBudget = this.#suppressedByBudget;
    this.#suppressedByBudget = 0;
    this.#entries.delete(key);
    this.#entries.set(key, { loggedAt: now, suppressed: 0 });
    if (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return {
      shouldLog: true,
      suppressed: entry?.suppressed ?? 0,
      ...(suppressedByBudget > 0 ? { suppressedByBudget } : {}),
    };
  }
}
