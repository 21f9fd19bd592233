// The startup timing check: are the timing settings consistent with each other, and how long
// does a failover take at worst after a crash, a graceful handover, or a workload failure?
import type { BackendName } from '../core/backend-name.js';
import { assertNever } from '../core/errors.js';
import { minimumHeartbeatsPerElectionTimeout } from '../core/raft/config.js';
import { durationText as text } from './duration-text.js';
import { detectionMs, healthTimingProblems, type HealthTiming } from './health-timing.js';

/** Field names match the Config of `elector run`, so a Config can be passed as it is. */
export interface TimingSettings {
  readonly backend: BackendName;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly etcdLeaseTtlMs: number;
  readonly zookeeperSessionTimeoutMs: number;
  readonly leaseDurationMs: number;
  readonly leaseRenewDeadlineMs: number;
  readonly leaseRetryPeriodMs: number;
  /** The health gate's timing; null when no health check is configured. */
  readonly health: HealthTiming | null;
  /** Assumed round trip to the peers or the backend's servers, for the figures. Default 10. */
  readonly roundTripMs?: number;
}

export interface WorstCase {
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

/** etcd's lessor looks for expired leases every 500 ms (server/lease/lessor.go, runLoop). */
const etcdExpiryScanMs = 500;
/** The smallest TTL etcd grants at its defaults: 1.5 × its 1 s election timeout, rounded up. */
const etcdMinimumTtlMs = 2000;
/** A ZooKeeper server at its default tickTime (2000 ms) grants sessions of at least 2 ticks. */
const zookeeperDefaultMinimumSessionMs = 4000;
/** client-go's JitterFactor: a candidate retries within retryPeriod × [1, 1.2]. */
const leaseRetryJitter = 1.2;

interface BackendTiming {
  readonly crashMs: number;
  readonly crashFormula: string;
  readonly gracefulMs: number;
  readonly gracefulFormula: string;
  /** The setting a member waits out before it replaces a silent leader, for warnings. */
  readonly silence: { readonly flag: string; readonly ms: number };
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Checks the settings of the chosen backend and of the health gate against each other. Pure:
 * the caller logs the figures and refuses to start on problems. The figures are upper bounds
 * under the assumed round trip and no message loss; leader-side safety margins only shorten
 * how long a deposed leader acts, not how long the others wait.
 */
export function checkTiming(settings: TimingSettings): TimingReport {
  const roundTripMs = settings.roundTripMs ?? defaultRoundTripMs;
  const backend = backendTiming(settings, roundTripMs);
  const problems = [...backend.problems];
  const warnings = [...backend.warnings];
  let workloadFailureMs: number | null = null;
  let workloadFormula = 'no health check (--health-http-url, --health-tcp-address, --health-exec)';
  const health = settings.health;
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

function backendTiming(settings: TimingSettings, roundTripMs: number): BackendTiming {
  const trips = (count: number): number => count * roundTripMs;
  const rtt = `round trip ${text(roundTripMs)}`;
  switch (settings.backend) {
    case 'raft': {
      const { heartbeatIntervalMs: heartbeat, electionTimeoutMs: timeout } = settings;
      const problems: string[] = [];
      const minimum = minimumHeartbeatsPerElectionTimeout * heartbeat;
      if (timeout < minimum) {
        problems.push(
          `--election-timeout=${text(timeout)} must be at least ${minimumHeartbeatsPerElectionTimeout} × --heartbeat-interval=${text(heartbeat)} (${text(minimum)}): otherwise one late heartbeat starts an election`,
        );
      }
      // Followers campaign after a random [T, 2T] of silence; pre-vote, vote, then the new
      // leader acts once a majority acknowledges its first heartbeat (docs/raft-safety.md).
      // A transfer: TimeoutNow (half a round trip), vote, first acknowledged heartbeat.
      return {
        crashMs: 2 * timeout + trips(3),
        crashFormula: `2 × --election-timeout + 3 round trips (pre-vote, vote, first heartbeat; ${rtt})`,
        gracefulMs: trips(2.5),
        gracefulFormula: `2.5 round trips (TimeoutNow, vote, first heartbeat; ${rtt})`,
        silence: { flag: '--election-timeout', ms: timeout },
        problems,
        warnings: [],
      };
    }
    case 'etcd': {
      const ttl = settings.etcdLeaseTtlMs;
      const problems: string[] = [];
      const warnings: string[] = [];
      if (!(Number.isInteger(ttl / 1000) && ttl >= 1000)) {
        problems.push(`--etcd-lease-ttl=${text(ttl)} must be whole seconds, at least 1s`);
      } else if (ttl < etcdMinimumTtlMs) {
        warnings.push(
          `--etcd-lease-ttl=${text(ttl)} is below etcd's minimum TTL at its defaults (${text(etcdMinimumTtlMs)}); etcd would raise it, and start is then refused`,
        );
      }
      // The leader renews every TTL/3; etcd expires the lease up to TTL after the last renewal,
      // found by a scan every 500 ms; the next candidate's watch fires and it confirms.
      return {
        crashMs: ttl + etcdExpiryScanMs + trips(2),
        crashFormula: `--etcd-lease-ttl + ${etcdExpiryScanMs}ms expiry scan + 2 round trips (watch, confirm; ${rtt})`,
        gracefulMs: trips(2.5),
        gracefulFormula: `2.5 round trips (delete key, watch, confirm; ${rtt})`,
        silence: { flag: '--etcd-lease-ttl', ms: ttl },
        problems,
        warnings,
      };
    }
    case 'zookeeper': {
      const session = settings.zookeeperSessionTimeoutMs;
      const warnings: string[] = [];
      if (session < zookeeperDefaultMinimumSessionMs) {
        warnings.push(
          `--zookeeper-session-timeout=${text(session)} is below what a server at the default tickTime (2000 ms) grants (${text(zookeeperDefaultMinimumSessionMs)}); such a server raises it, and start is then refused`,
        );
      }
      // The server rounds a session's expiry up to its next tick, and a tick is at most half
      // of any session timeout it grants (ZooKeeper ExpiryQueue; minSessionTimeout = 2 ticks).
      return {
        crashMs: 1.5 * session + trips(2),
        crashFormula: `1.5 × --zookeeper-session-timeout (expiry rounded up to a tick) + 2 round trips (watch, list; ${rtt})`,
        gracefulMs: trips(2.5),
        gracefulFormula: `2.5 round trips (delete znode, watch, list; ${rtt})`,
        silence: { flag: '--zookeeper-session-timeout', ms: session },
        problems: [],
        warnings,
      };
    }
    case 'kubernetes': {
      const {
        leaseDurationMs: duration,
        leaseRenewDeadlineMs: deadline,
        leaseRetryPeriodMs: retry,
      } = settings;
      const problems: string[] = [];
      // client-go's rules (tools/leaderelection): the leader must stop acting before anyone
      // may take over, and must get one more renewal attempt before it gives up.
      if (duration <= deadline) {
        problems.push(
          `--lease-duration=${text(duration)} must be longer than --lease-renew-deadline=${text(deadline)}: a leader stops acting only at the renew deadline, so a shorter lease lets another member take over while it still acts`,
        );
      }
      if (deadline <= leaseRetryJitter * retry) {
        problems.push(
          `--lease-renew-deadline=${text(deadline)} must be longer than ${leaseRetryJitter} × --lease-retry-period=${text(retry)} (${text(leaseRetryJitter * retry)}): the leader must get at least one more renewal attempt before it gives up`,
        );
      }
      return {
        crashMs: duration + leaseRetryJitter * retry + trips(2),
        crashFormula: `--lease-duration + ${leaseRetryJitter} × --lease-retry-period + 2 round trips (watch, acquire; ${rtt})`,
        gracefulMs: trips(2.5),
        gracefulFormula: `2.5 round trips (release, watch, acquire; ${rtt})`,
        silence: { flag: '--lease-duration', ms: duration },
        problems,
        warnings: [],
      };
    }
    default:
      return assertNever(settings.backend);
  }
}
