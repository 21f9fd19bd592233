import type { Config } from '../../config/schema.js';
import { durationText as text } from '../../config/duration-text.js';
import type { BackendTimingRule } from '../../config/timing-check.js';

export type ZooKeeperTimingSettings = Pick<Config, 'zookeeperSessionTimeoutMs'>;

/** A ZooKeeper server at its default tickTime (2000 ms) grants sessions of at least 2 ticks. */
const zookeeperDefaultMinimumSessionMs = 4000;

/** The ZooKeeper backend's worst cases; a session a default server would raise is a warning. */
export const zookeeperTiming: BackendTimingRule<ZooKeeperTimingSettings> = (
  settings,
  roundTripMs,
) => {
  const session = settings.zookeeperSessionTimeoutMs;
  const rtt = `round trip ${text(roundTripMs)}`;
  const warnings: string[] = [];
  if (session < zookeeperDefaultMinimumSessionMs) {
    warnings.push(
      `--zookeeper-session-timeout=${text(session)} is below what a server at the default tickTime (2000 ms) grants (${text(zookeeperDefaultMinimumSessionMs)}); such a server raises it, and start is then refused`,
    );
  }
  // The server rounds a session's expiry up to its next tick, and a tick is at most half
  // of any session timeout it grants (ZooKeeper ExpiryQueue; minSessionTimeout = 2 ticks).
  return {
    crashMs: 1.5 * session + 2 * roundTripMs,
    crashFormula: `1.5 × --zookeeper-session-timeout (expiry rounded up to a tick) + 2 round trips (watch, list; ${rtt})`,
    gracefulMs: 2.5 * roundTripMs,
    gracefulFormula: `2.5 round trips (delete znode, watch, list; ${rtt})`,
    silence: { flag: '--zookeeper-session-timeout', ms: session },
    problems: [],
    warnings,
  };
};
