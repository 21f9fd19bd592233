import type { Config } from '../../config/schema.js';
import { durationText as text } from '../../config/duration-text.js';
import type { BackendTimingRule } from '../../config/timing-check.js';
import { retryJitterFactor } from './options.js';

export type LeaseTimingSettings = Pick<
  Config,
  'leaseDurationMs' | 'leaseRenewDeadlineMs' | 'leaseRetryPeriodMs'
>;

/** The Lease backend's worst cases, and client-go's ordering rules with flag names. */
export const leaseTiming: BackendTimingRule<LeaseTimingSettings> = (settings, roundTripMs) => {
  const {
    leaseDurationMs: duration,
    leaseRenewDeadlineMs: deadline,
    leaseRetryPeriodMs: retry,
  } = settings;
  const rtt = `round trip ${text(roundTripMs)}`;
  const problems: string[] = [];
  // client-go's rules (tools/leaderelection): the leader must stop acting before anyone
  // may take over, and must get one more renewal attempt before it gives up.
  if (duration <= deadline) {
    problems.push(
      `--lease-duration=${text(duration)} must be longer than --lease-renew-deadline=${text(deadline)}: a leader stops acting only at the renew deadline, so a shorter lease lets another member take over while it still acts`,
    );
  }
  if (deadline <= retryJitterFactor * retry) {
    problems.push(
      `--lease-renew-deadline=${text(deadline)} must be longer than ${retryJitterFactor} × --lease-retry-period=${text(retry)} (${text(retryJitterFactor * retry)}): the leader must get at least one more renewal attempt before it gives up`,
    );
  }
  return {
    crashMs: duration + retryJitterFactor * retry + 2 * roundTripMs,
    crashFormula: `--lease-duration + ${retryJitterFactor} × --lease-retry-period + 2 round trips (watch, acquire; ${rtt})`,
    gracefulMs: 2.5 * roundTripMs,
    gracefulFormula: `2.5 round trips (release, watch, acquire; ${rtt})`,
    silence: { flag: '--lease-duration', ms: duration },
    problems,
    warnings: [],
  };
};
