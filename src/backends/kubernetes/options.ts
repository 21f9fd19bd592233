import type { Logger } from 'pino';
import { z } from 'zod';
import { optionDefaults } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';
import { dnsSubdomainProblem } from '../../kubernetes/label-rules.js';

export interface LeaseBackendOptions {
  /** This member's identity, written as the Lease's holderIdentity (use the pod name). Unique. */
  readonly memberId: string;
  /** host:port of this member's sidecar HTTP API; written to the Lease while it leads. */
  readonly address: string;
  readonly api: KubernetesApi;
  readonly namespace: string;
  /** The Lease's name: one Lease per election. */
  readonly leaseName: string;
  /**
   * How long a candidate must see the Lease unchanged, on its own clock, before it may take
   * it. Default: `--lease-duration`'s (client-go's 15 s). Must exceed renewDeadlineMs.
   */
  readonly leaseDurationMs?: number;
  /**
   * The leader stops acting this long after the last renewal it sent that succeeded. Default:
   * `--lease-renew-deadline`'s (client-go's 10 s).
   */
  readonly renewDeadlineMs?: number;
  /**
   * Renew (leader) or retry (candidate) period. Default: `--lease-retry-period`'s (client-go's
   * 2 s); × 1.2 must stay below renewDeadlineMs.
   */
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
}

/** Options after validation, with defaults applied. */
export interface LeaseSettings {
  readonly memberId: string;
  readonly address: string;
  readonly namespace: string;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** client-go's JitterFactor: a candidate retries within retryPeriod × [1, 1.2]. */
export const retryJitterFactor = 1.2;

const milliseconds = z
  .int('expected a whole number of milliseconds')
  .min(1, 'must be at least 1 ms')
  .max(3_600_000, 'must be at most one hour (3600000 ms)');

const schema = z.object({
  memberId: z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters'),
  address: z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port'),
  namespace: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'expected a namespace name (a lowercase RFC 1123 label)',
    )
    .max(63),
  leaseName: z.string().refine((value) => dnsSubdomainProblem(value) === null, {
    message: 'expected a Lease name (a lowercase RFC 1123 subdomain such as "orders-leader")',
  }),
  leaseDurationMs: milliseconds.default(optionDefaults.leaseDurationMs),
  renewDeadlineMs: milliseconds.default(optionDefaults.leaseRenewDeadlineMs),
  retryPeriodMs: milliseconds.default(optionDefaults.leaseRetryPeriodMs),
});

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * Validates the options and applies defaults. Throws ElectorError CONFIG_INVALID with one line
 * per broken rule, naming the option, the value received and what is accepted, including
 * client-go's ordering rules: leaseDuration > renewDeadline > retryPeriod × 1.2.
 */
export function parseLeaseOptions(options: LeaseBackendOptions): LeaseSettings {
  const input = {
    memberId: options.memberId,
    address: options.address,
    namespace: options.namespace,
    leaseName: options.leaseName,
    leaseDurationMs: options.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs,
  };
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.');
      const value: unknown = Reflect.get(input, field);
      return `kubernetes.${field}: ${issue.message}; got ${describeValue(value)}`;
    });
    throw new ElectorError('CONFIG_INVALID', lines.join('\n'));
  }
  const settings = parsed.data;
  const lines: string[] = [];
  if (settings.leaseDurationMs <= settings.renewDeadlineMs) {
    lines.push(
      `kubernetes.leaseDurationMs (${settings.leaseDurationMs}) must be greater than kubernetes.renewDeadlineMs (${settings.renewDeadlineMs}): a leader acts until renewDeadline after its last renewal, and a candidate takes over leaseDuration after it last saw one, so the difference is the margin for clock-rate error and API latency`,
    );
  }
  const jitteredRetryMs = settings.retryPeriodMs * retryJitterFactor;
  if (settings.renewDeadlineMs <= jitteredRetryMs) {
    lines.push(
      `kubernetes.renewDeadlineMs (${settings.renewDeadlineMs}) must be greater than kubernetes.retryPeriodMs × ${retryJitterFactor} (${jitteredRetryMs}): the leader must get at least one more renewal attempt before it gives up`,
    );
  }
  if (lines.length > 0) throw new ElectorError('CONFIG_INVALID', lines.join('\n'));
  return settings;
}
