// The startup timing check: are the timing settings consistent with each other, and how long
// does a failover take at worst after a crash, a graceful handover, or a workload failure? The
// chosen backend states its own figures and rules (src/backends/<name>/timing.ts); this adds the
// health gate's and puts them together.
import { durationText as text } from './duration-text.js';
import { detectionMs, healthTimingProblems, type HealthTiming } from './health-timing.js';

interface WorstCase {
  /** The leader's process or node dies: until another member leads. */
  readonly crashMs: number;
  /** The leader hands over (SIGTERM, POST /leader/resign, workload unhealthy): until another leads. */
  readonly gracefulMs: number;
  /** The leader's workload fails: until another member leads. Null without a health check. */
  readonly workloadFailureMs: number | null;
  /** How each figure is made up, for the log line. */
  readonly formulas: {
    readonly crash: string;
    readonly graceful: string;
    readonly workloadFailure: string;
  };
}

export interface TimingReport {
  /** Settings that must be refused (CONFIG_INVALID), one line each, naming flags and values. */
  readonly problems: readonly string[];
  /** Settings that work but are probably not what was meant. */
  readonly warnings: readonly string[];
  readonly worstCase: WorstCase;
}

export const defaultRoundTripMs = 10;

/** One backend's worst cases and rules, as its timing rule reports them. */
export interface BackendTiming {
  /** The leader's process or node dies: until another member leads. */
  readonly crashMs: number;
  readonly crashFormula: string;
  /** The leader hands over: until another member leads. */
  readonly gracefulMs: number;
  readonly gracefulFormula: string;
  /** The setting a member waits out before it replaces a silent leader, for warnings. */
  readonly silence: { readonly flag: string; readonly ms: number };
  /** Settings that must be refused, one line each, naming flags and values. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * A backend's timing rule: its figures under the assumed round trip to its peers or servers.
 * Pure; `settings` is the part of the Config the backend reads.
 */
export type BackendTimingRule<Settings> = (
  settings: Settings,
  roundTripMs: number,
) => BackendTiming;

/**
 * Checks the health gate (null: none configured) against the chosen backend's figures and
 * adds its rules to the backend's. Pure: the caller logs the figures and refuses to start on
 * problems. The figures are upper bounds under the assumed round trip and no message loss;
 * leader-side safety margins only shorten how long a deposed leader acts, not how long the
 * others wait.
 */
export function timingReport(backend: BackendTiming, health: HealthTiming | null): TimingReport {
  const problems = [...backend.problems];
  const warnings = [...backend.warnings];
  let workloadFailureMs: number | null = null;
  let workloadFormula = 'no health check (--health-http-url, --health-tcp-address, --health-exec)';
  if (health !== null) {
    const healthProblems = healthTimingProblems(health);
    problems.push(...healthProblems);
    if (healthProblems.length === 0) {
      const detection = detectionMs(health);
      workloadFailureMs = detection + backend.gracefulMs;
      workloadFormula = `--health-failure-threshold × --health-period + --health-timeout (${text(detection)}) + graceful handover`;
      const probing = health.failureThreshold * health.periodMs;
      if (probing > backend.silence.ms) {
        warnings.push(
          `--health-period=${text(health.periodMs)} × --health-failure-threshold=${health.failureThreshold} (${text(probing)}) is longer than ${backend.silence.flag}=${text(backend.silence.ms)}: a failing workload is noticed later than a silent leader`,
        );
      }
      if (workloadFailureMs >= backend.crashMs) {
        problems.push(
          `a leader whose workload fails would hand over after up to ${text(workloadFailureMs)} (--health-period=${text(health.periodMs)} × --health-failure-threshold=${health.failureThreshold} + --health-timeout=${text(health.timeoutMs)} + graceful handover), no sooner than a crashed leader is replaced (${text(backend.crashMs)}: ${backend.crashFormula}); shorten the health check or lengthen ${backend.silence.flag}`,
        );
      }
    }
  }
  return {
    problems,
    warnings,
    worstCase: {
      crashMs: backend.crashMs,
      gracefulMs: backend.gracefulMs,
      workloadFailureMs,
      formulas: {
        crash: backend.crashFormula,
        graceful: backend.gracefulFormula,
        workloadFailure: workloadFormula,
      },
    },
  };
}
