/**
 * Facts the workload modules report for metrics and logs, in the manner of
 * core/election-events.ts: they never import prom-client; they call an `observe(event)`
 * function handed to them, and http/metrics/ turns events into series.
 */
export type WorkloadEvent =
  | {
      /** One health probe finished (or was cut off at its timeout). */
      readonly type: 'health-probe';
      readonly kind: ProbeKind;
      readonly result: 'success' | 'failure';
      /** Set when `result` is 'failure'. */
      readonly reason?: ProbeFailureReason;
      readonly durationMs: number;
    }
  | {
      /** The health gate changed its verdict (thresholds reached). */
      readonly type: 'health-changed';
      readonly isHealthy: boolean;
    }
  | {
      /** One leadership hook finished, failed, timed out, was cancelled or was never run. */
      readonly type: 'hook-run';
      readonly hook: HookName;
      readonly kind: HookKind;
      readonly result: HookResult;
      /** 0 for a hook that was dropped before it started. */
      readonly durationMs: number;
    };

export type ProbeKind = 'http' | 'tcp' | 'exec';

/** A small fixed set, fit for a metric label. */
export type ProbeFailureReason = 'timeout' | 'status' | 'connection' | 'exit-code' | 'error';

export type HookName = 'became-leader' | 'stepped-down';

export type HookKind = 'exec' | 'http';

/**
 * success: exit code 0 or an HTTP 2xx. failure: anything else that ended on its own.
 * timeout: killed or cut off at the hook timeout. cancelled: cut off by `drain`'s signal.
 * dropped: still queued when `drain`'s signal aborted, so never started.
 */
export type HookResult = 'success' | 'failure' | 'timeout' | 'cancelled' | 'dropped';

export type WorkloadObserver = (event: WorkloadEvent) => void;

export const ignoreWorkloadEvents: WorkloadObserver = () => undefined;
