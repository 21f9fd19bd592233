import type { Config } from '../../config/schema.js';
import { durationText as text } from '../../config/duration-text.js';
import type { BackendTimingRule } from '../../config/timing-check.js';
import { minimumHeartbeatsPerElectionTimeout } from '../../core/raft/config.js';

export type RaftTimingSettings = Pick<Config, 'heartbeatIntervalMs' | 'electionTimeoutMs'>;

/** The Raft mesh's worst cases, and the heartbeat rule with flag names. */
export const raftTiming: BackendTimingRule<RaftTimingSettings> = (settings, roundTripMs) => {
  const { heartbeatIntervalMs: heartbeat, electionTimeoutMs: timeout } = settings;
  const rtt = `round trip ${text(roundTripMs)}`;
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
    crashMs: 2 * timeout + 3 * roundTripMs,
    crashFormula: `2 × --election-timeout + 3 round trips (pre-vote, vote, first heartbeat; ${rtt})`,
    gracefulMs: 2.5 * roundTripMs,
    gracefulFormula: `2.5 round trips (TimeoutNow, vote, first heartbeat; ${rtt})`,
    silence: { flag: '--election-timeout', ms: timeout },
    problems,
    warnings: [],
  };
};
