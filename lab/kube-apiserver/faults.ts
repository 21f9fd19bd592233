// Fault injection for outage tests: failing the next N requests with a status code, and delaying
// every response. (Refusing connections outright is the server's job: it closes its listener.)
import { setTimeout as delay } from 'node:timers/promises';
import { injectedFailure, type ApiError } from './status.js';

/** Which requests a fault applies to; unset fields match everything. */
export interface RequestMatcher {
  /** e.g. 'PUT'. */
  readonly method?: string;
  /** A substring of the path, e.g. '/leases/'. */
  readonly pathIncludes?: string;
}

interface PendingFailures {
  remaining: number;
  readonly code: number;
  readonly matcher: RequestMatcher;
}

function matches(matcher: RequestMatcher, method: string, path: string): boolean {
  return (
    (matcher.method === undefined || matcher.method.toUpperCase() === method) &&
    (matcher.pathIncludes === undefined || path.includes(matcher.pathIncludes))
  );
}

export class FaultInjector {
  private failures: PendingFailures[] = [];
  private delayMs = 0;

  /** The next `count` matching requests get a Status with `code` (e.g. 500, 503, 429). */
  failNext(count: number, code: number, matcher: RequestMatcher = {}): void {
    this.failures.push({ remaining: count, code, matcher });
  }

  /** Every response waits `delayMs` first (0 turns the delay off). */
  delayResponses(delayMs: number): void {
    this.delayMs = delayMs;
  }

  /** Drops all pending failures and the delay. */
  clear(): void {
    this.failures = [];
    this.delayMs = 0;
  }

  /** Waits out the delay, then returns the injected failure for this request, if any. */
  async before(method: string, path: string, signal: AbortSignal): Promise<ApiError | undefined> {
    if (this.delayMs > 0) await delay(this.delayMs, undefined, { signal });
    const pending = this.failures.find(
      (failure) => failure.remaining > 0 && matches(failure.matcher, method, path),
    );
    if (pending === undefined) return undefined;
    pending.remaining -= 1;
    this.failures = this.failures.filter((failure) => failure.remaining > 0);
    return injectedFailure(pending.code);
  }
}
