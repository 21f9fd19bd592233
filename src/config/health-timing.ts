import { durationText } from './duration-text.js';
import { optionDefaults } from './schema.js';

/** The timing of the health gate, in the shape of a Kubernetes probe (but in milliseconds). */
export interface HealthTiming {
  /** From the start of one probe to the start of the next (later if a probe runs long). */
  readonly periodMs: number;
  /** A probe without an answer after this long counts as a failure. At most `periodMs`. */
  readonly timeoutMs: number;
  /** Consecutive failures that turn a healthy workload unhealthy. */
  readonly failureThreshold: number;
  /** Consecutive successes that turn an unhealthy (or starting) workload healthy. */
  readonly successThreshold: number;
  /** Wait this long after the gate starts before the first probe. */
  readonly initialDelayMs: number;
}

/**
 * The --health-* defaults of the option table (config/options/workload.ts): fast enough that a
 * failed workload is handed over well within the default Raft election timeout
 * (3 × 100 ms + 100 ms < 500 ms); see timing-check.ts.
 */
export const defaultHealthTiming: HealthTiming = {
  periodMs: optionDefaults.healthPeriodMs,
  timeoutMs: optionDefaults.healthTimeoutMs,
  failureThreshold: optionDefaults.healthFailureThreshold,
  successThreshold: optionDefaults.healthSuccessThreshold,
  initialDelayMs: optionDefaults.healthInitialDelayMs,
};

/**
 * Worst case from the workload failing to the gate saying so: the failure lands just after a
 * successful probe started, then `failureThreshold` probes, a period apart, must fail, and the
 * last one may take the whole timeout. Holds because probes never overlap and
 * timeout ≤ period.
 */
export function detectionMs(timing: HealthTiming): number {
  return timing.failureThreshold * timing.periodMs + timing.timeoutMs;
}

/** One line per broken rule, naming the flag, the value and what is accepted. */
export function healthTimingProblems(timing: HealthTiming): string[] {
  const problems: string[] = [];
  const duration = (flag: string, value: number, minimum: number): void => {
    if (!(Number.isFinite(value) && value >= minimum)) {
      problems.push(`${flag}: expected a duration of at least ${minimum} ms; got ${String(value)}`);
    }
  };
  const count = (flag: string, value: number): void => {
    if (!(Number.isInteger(value) && value >= 1)) {
      problems.push(`${flag}: expected a whole number ≥ 1; got ${String(value)}`);
    }
  };
  duration('--health-period', timing.periodMs, 1);
  duration('--health-timeout', timing.timeoutMs, 1);
  duration('--health-initial-delay', timing.initialDelayMs, 0);
  count('--health-failure-threshold', timing.failureThreshold);
  count('--health-success-threshold', timing.successThreshold);
  if (problems.length === 0 && timing.timeoutMs > timing.periodMs) {
    problems.push(
      `--health-timeout=${durationText(timing.timeoutMs)} must not exceed --health-period=${durationText(timing.periodMs)}: probes run one at a time, so a probe that hangs would stretch the period and delay detection`,
    );
  }
  return problems;
}
