import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.js';
import type {
  ElectionObserver,
  PeerDropReason,
  PeerRefusalReason,
} from '../../../core/election-events.js';
import { LogRateLimiter } from './drop-log.js';

export interface TrafficReporterOptions {
  readonly observe: ElectionObserver;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dropLogIntervalMs: number;
}

export interface DropReport {
  /** Who the warning is about: a verified member ID, or a remote address before the handshake. */
  readonly source: string;
  /** The member ID concerned, if one is known (claimed or verified). */
  readonly peer: string | null;
  readonly reason: PeerDropReason;
  readonly messageType: string;
  readonly detail: string;
}

/**
 * Turns message outcomes and refused connections into observer events (every one is counted)
 * and warnings (at most one per source, direction and reason per interval, with the number
 * suppressed since the last, and a bounded number per interval in all; see LogRateLimiter).
 */
export class TrafficReporter {
  readonly #options: TrafficReporterOptions;
  readonly #limiter: LogRateLimiter;

  constructor(options: TrafficReporterOptions) {
    this.#options = options;
    this.#limiter = new LogRateLimiter(options.clock, options.dropLogIntervalMs);
  }

  accepted(direction: 'in' | 'out', messageType: string): void {
    this.#options.observe({ type: 'peer-message', direction, result: 'accepted', messageType });
  }

  dropped(direction: 'in' | 'out', report: DropReport): void {
    const { reason, messageType } = report;
    this.#options.observe({
      type: 'peer-message',
      direction,
      result: 'dropped',
      reason,
      messageType,
    });
    this.warnLimited(`${report.source}\0${direction}\0${reason}`, {
      event: 'peer.message.dropped',
      direction,
      ...report,
    });
  }

  /** The peer port closed a connection from `remote` on arrival. */
  refused(
    remote: string,
    reason: PeerRefusalReason,
    fields: Readonly<Record<string, unknown>>,
  ): void {
    this.#options.observe({ type: 'peer-connection-refused', reason });
    this.warnLimited(`${remote}\0refused`, {
      event: 'peer.connection.refused',
      remote,
      reason,
      ...fields,
    });
  }

  /** Logs `fields` at warn unless a line with the same key was logged within the interval. */
  warnLimited(key: string, fields: Readonly<Record<string, unknown>>): void {
    const decision = this.#limiter.check(key);
    if (decision.shouldLog) {
      const { suppressed, suppressedByBudget } = decision;
      this.#options.logger.warn({
        ...fields,
        suppressed,
        ...(suppressedByBudget === undefined ? {} : { suppressedByBudget }),
      });
    }
  }
}
