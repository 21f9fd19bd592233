// The workload side of elector: the health gate that drives eligibility, the leadership hooks
// that tell the workload, and the startup timing check.
export { createProbe } from './create-probe.js';
export { followHealth, type EligibilityTarget } from './eligibility.js';
export { createHealthGate, type HealthGate, type HealthGateOptions } from './health-gate.js';
export { defaultHealthTiming, detectionMs, type HealthTiming } from './health-timing.js';
export type { HookPayload } from './hook-payload.js';
export type { HookSpec } from './hook-runner.js';
export {
  createLeadershipHooks,
  defaultHookTimeoutMs,
  type HookLeadership,
  type LeadershipHooks,
  type LeadershipHooksOptions,
} from './hooks.js';
export type { Probe, ProbeOutcome, ProbeSpec } from './probe.js';
export {
  checkTiming,
  defaultRoundTripMs,
  type TimingReport,
  type TimingSettings,
  type WorstCase,
} from './timing-check.js';
export {
  ignoreWorkloadEvents,
  type WorkloadEvent,
  type WorkloadObserver,
} from './workload-events.js';
export {
  resolveWorkloadSettings,
  type WorkloadFlagValues,
  type WorkloadSettings,
} from './workload-settings.js';
