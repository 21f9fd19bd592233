import type { Config } from '../../config/schema.js';
import { durationText as text } from '../../config/duration-text.js';
import type { BackendTimingRule } from '../../config/timing-check.js';

export type EtcdTimingSettings = Pick<Config, 'etcdLeaseTtlMs'>;

/** etcd's lessor looks for expired leases every 500 ms (server/lease/lessor.go, runLoop). */
const etcdExpiryScanMs = 500;
/** The smallest TTL etcd grants at its defaults: 1.5 × its 1 s election timeout, rounded up. */
const etcdMinimumTtlMs = 2000;

/** The etcd backend's worst cases; a TTL etcd would raise is a warning, a fraction refused. */
export const etcdTiming: BackendTimingRule<EtcdTimingSettings> = (settings, roundTripMs) => {
  const ttl = settings.etcdLeaseTtlMs;
  const rtt = `round trip ${text(roundTripMs)}`;
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
    crashMs: ttl + etcdExpiryScanMs + 2 * roundTripMs,
    crashFormula: `--etcd-lease-ttl + ${etcdExpiryScanMs}ms expiry scan + 2 round trips (watch, confirm; ${rtt})`,
    gracefulMs: 2.5 * roundTripMs,
    gracefulFormula: `2.5 round trips (delete key, watch, confirm; ${rtt})`,
    silence: { flag: '--etcd-lease-ttl', ms: ttl },
    problems,
    warnings,
  };
};
