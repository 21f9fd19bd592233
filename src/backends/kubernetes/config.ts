import type { Config } from '../../config/schema.js';
import { ElectorError } from '../../core/errors.js';
import { advertisedAddress, runtimeServices, type BackendRuntime } from '../backend-runtime.js';
import type { LeaseBackendOptions } from './options.js';

/**
 * The Lease backend's options from `elector run`'s settings. Throws CONFIG_INVALID when no
 * Kubernetes API is configured.
 */
export function leaseFromConfig(config: Config, runtime: BackendRuntime): LeaseBackendOptions {
  if (runtime.kubernetesApi === null) {
    throw new ElectorError(
      'CONFIG_INVALID',
      '--backend kubernetes: no Kubernetes API configured (give --kubeconfig, or run in a pod)',
    );
  }
  return {
    memberId: config.id,
    address: advertisedAddress(config),
    api: runtime.kubernetesApi,
    // Required with this backend (config/options/kubernetes.ts), so never "" here.
    namespace: config.namespace ?? '',
    leaseName: config.leaseName ?? `elector-${config.election}`,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.leaseRenewDeadlineMs,
    retryPeriodMs: config.leaseRetryPeriodMs,
    priority: config.priority,
    priorityHandoverDelayMs: config.priorityHandoverDelayMs,
    ...runtimeServices(runtime),
  };
}
