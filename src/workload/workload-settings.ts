// Turns the workload flags of `elector run` into a probe spec, the gate's timing and hook
// specs, with one CONFIG_INVALID line per broken rule, each naming the flag and the value.
import { parseHostPort } from '../config/host-port.js';
import { redactedUrl } from '../config/redacted-url.js';
import { ElectorError } from '../core/errors.js';
import {
  defaultHealthTiming,
  healthTimingProblems,
  type HealthTiming,
} from '../config/health-timing.js';
import type { HookSpec } from './hook-runner.js';
import { defaultHookTimeoutMs } from './hooks.js';
import type { ProbeSpec } from './probe.js';

/** The workload settings as the config holds them (durations already in ms). */
export interface WorkloadFlagValues {
  readonly healthHttpUrl?: string;
  readonly healthTcpAddress?: string;
  readonly healthExec?: string;
  readonly healthPeriodMs?: number;
  readonly healthTimeoutMs?: number;
  readonly healthFailureThreshold?: number;
  readonly healthSuccessThreshold?: number;
  readonly healthInitialDelayMs?: number;
  readonly onLeaderExec?: string;
  readonly onLeaderUrl?: string;
  readonly onFollowerExec?: string;
  readonly onFollowerUrl?: string;
  readonly hookTimeoutMs?: number;
}

export interface WorkloadSettings {
  /** Null: no health check, and the member is always eligible. */
  readonly probe: ProbeSpec | null;
  readonly health: HealthTiming;
  readonly hooks: {
    readonly onBecameLeader?: HookSpec;
    readonly onSteppedDown?: HookSpec;
    readonly timeoutMs: number;
  };
}

/** Validates and converts; throws ElectorError CONFIG_INVALID listing every problem. */
export function resolveWorkloadSettings(values: WorkloadFlagValues): WorkloadSettings {
  const problems: string[] = [];
  const probe = probeSpecOf(values, problems);
  const health: HealthTiming = {
    periodMs: values.healthPeriodMs ?? defaultHealthTiming.periodMs,
    timeoutMs: values.healthTimeoutMs ?? defaultHealthTiming.timeoutMs,
    failureThreshold: values.healthFailureThreshold ?? defaultHealthTiming.failureThreshold,
    successThreshold: values.healthSuccessThreshold ?? defaultHealthTiming.successThreshold,
    initialDelayMs: values.healthInitialDelayMs ?? defaultHealthTiming.initialDelayMs,
  };
  if (probe !== null) problems.push(...healthTimingProblems(health));
  const onBecameLeader = hookSpecOf(
    '--on-leader',
    values.onLeaderExec,
    values.onLeaderUrl,
    problems,
  );
  const onSteppedDown = hookSpecOf(
    '--on-follower',
    values.onFollowerExec,
    values.onFollowerUrl,
    problems,
  );
  const timeoutMs = values.hookTimeoutMs ?? defaultHookTimeoutMs;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 1)) {
    problems.push(`--hook-timeout: expected a duration of at least 1 ms; got ${String(timeoutMs)}`);
  }
  if (problems.length > 0) throw new ElectorError('CONFIG_INVALID', problems.join('\n'));
  return {
    probe,
    health,
    hooks: {
      timeoutMs,
      ...(onBecameLeader === null ? {} : { onBecameLeader }),
      ...(onSteppedDown === null ? {} : { onSteppedDown }),
    },
  };
}

function probeSpecOf(values: WorkloadFlagValues, problems: string[]): ProbeSpec | null {
  const given = [
    values.healthHttpUrl === undefined ? null : '--health-http-url',
    values.healthTcpAddress === undefined ? null : '--health-tcp-address',
    values.healthExec === undefined ? null : '--health-exec',
  ].filter((flag) => flag !== null);
  if (given.length > 1) {
    problems.push(`${given.join(', ')}: expected at most one health check; got ${given.length}`);
    return null;
  }
  if (values.healthHttpUrl !== undefined) {
    const url = httpUrlOf('--health-http-url', values.healthHttpUrl, problems);
    return url === null ? null : { kind: 'http', url };
  }
  if (values.healthTcpAddress !== undefined) {
    // The one host:port reader of every address flag; port 0 cannot be dialled.
    const address = parseHostPort(values.healthTcpAddress);
    if (address === null || address.port === 0) {
      problems.push(
        `--health-tcp-address: expected host:port such as 127.0.0.1:5432 or [::1]:5432; got ${JSON.stringify(values.healthTcpAddress)}`,
      );
      return null;
    }
    return { kind: 'tcp', ...address };
  }
  if (values.healthExec !== undefined) {
    if (values.healthExec.trim().length === 0) {
      problems.push('--health-exec: expected a shell command; got ""');
      return null;
    }
    return { kind: 'exec', command: values.healthExec };
  }
  return null;
}

function hookSpecOf(
  prefix: '--on-leader' | '--on-follower',
  exec: string | undefined,
  url: string | undefined,
  problems: string[],
): HookSpec | null {
  if (exec !== undefined && url !== undefined) {
    problems.push(`${prefix}-exec, ${prefix}-url: expected at most one of them; got both`);
    return null;
  }
  if (exec !== undefined) {
    if (exec.trim().length > 0) return { kind: 'exec', command: exec };
    problems.push(`${prefix}-exec: expected a shell command; got ""`);
    return null;
  }
  if (url === undefined) return null;
  const parsed = httpUrlOf(`${prefix}-url`, url, problems);
  return parsed === null ? null : { kind: 'http', url: parsed };
}

function httpUrlOf(flag: string, text: string, problems: string[]): URL | null {
  if (URL.canParse(text)) {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  }
  problems.push(
    `${flag}: expected an http:// or https:// URL such as http://127.0.0.1:8080/healthz; got ${JSON.stringify(redactedUrl(text))}`,
  );
  return null;
}
