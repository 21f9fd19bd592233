import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { KubernetesApiError } from './api-errors.js';

/**
 * Logs API failures without flooding: the first failure of each kind (operation target and
 * Status reason) is logged at once, repeats at most once per `intervalMs` with the number
 * suppressed meanwhile. Retryable failures are warnings; the others (Forbidden, NotFound,
 * Invalid, Unauthorized) are errors, because an operator must act.
 */
export class FailureLog {
  private readonly lastLoggedAtMs = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = 30_000,
  ) {}

  report(target: string, error: KubernetesApiError): void {
    const key = `${target}:${error.reason}`;
    const now = this.clock.now();
    const last = this.lastLoggedAtMs.get(key);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(key) ?? 0;
    this.suppressed.delete(key);
    this.lastLoggedAtMs.set(key, now);
    const fields = {
      event: 'kubernetes.request.failed',
      target,
      operation: error.operation,
      statusCode: error.statusCode,
      reason: error.reason,
      retryable: error.retryable,
      suppressed,
    };
    if (error.retryable) this.logger.warn(fields, error.message);
    else this.logger.error(fields, error.message);
  }

  /** Forgets a kind of failure once it has stopped, so its next occurrence is logged at once. */
  recovered(target: string): void {
    for (const key of [...this.lastLoggedAtMs.keys()]) {
      if (key.startsWith(`${target}:`)) {
        this.lastLoggedAtMs.delete(key);
        this.suppressed.delete(key);
      }
    }
  }
}
