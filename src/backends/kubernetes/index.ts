export { createLeaseBackend, type LeaseBackend } from './lease-backend.js';
export { leaderAddressAnnotation, leaseDurationAnnotation } from './lease-record.js';
export {
  defaultLeaseDurationMs,
  defaultRenewDeadlineMs,
  defaultRetryPeriodMs,
  parseLeaseOptions,
  type LeaseBackendOptions,
  type LeaseSettings,
} from './options.js';
