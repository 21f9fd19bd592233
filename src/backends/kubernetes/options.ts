import { optionDefaults } from '../../config/schema.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';
import type { BackendServices } from '../backend-runtime.js';

export interface LeaseBackendOptions extends BackendServices {
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
  /**
   * `--priority`: a candidate whose priority is strictly higher than the holder's asks it to hand
   * over (docs/handover.md, "Priority on the Lease"). Default 0: never asks.
   */
  readonly priority?: number;
  /**
   * `--priority-handover-delay`: how long a candidate must have been eligible, without a break,
   * before it asks; also the least time between two preemptions one holder runs. Default 10 s.
   */
  readonly priorityHandoverDelayMs?: number;
}

/** Options with defaults applied. */
export type LeaseSettings = Required<Omit<LeaseBackendOptions, keyof BackendServices | 'api'>>;

/** client-go's JitterFactor: a candidate retries within retryPeriod × [1, 1.2]. */
export const retryJitterFactor = 1.2;

/**
 * Applies the option table's defaults. The settings were checked once, by the option table
 * (config/options/kubernetes.ts) and, for client-go's ordering rules (leaseDuration >
 * renewDeadline > retryPeriod × 1.2), by the startup timing check (leaseTiming); a programmatic
 * caller passes values that keep them.
 */
export function resolveLeaseOptions(options: LeaseBackendOptions): LeaseSettings {
  return {
    memberId: options.memberId,
    address: options.address,
    namespace: options.namespace,
    leaseName: options.leaseName,
    leaseDurationMs: options.leaseDurationMs ?? optionDefaults.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs ?? optionDefaults.leaseRenewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs ?? optionDefaults.leaseRetryPeriodMs,
    priority: options.priority ?? optionDefaults.priority,
    priorityHandoverDelayMs:
      options.priorityHandoverDelayMs ?? optionDefaults.priorityHandoverDelayMs,
  };
}
