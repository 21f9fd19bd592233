import type { Logger } from 'pino';
import { optionDefaults } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';

export interface EtcdTlsOptions {
  /** PEM bundle of the CAs that sign etcd's server certificate; Node's bundled CAs if absent. */
  readonly caFile?: string;
  /** Client certificate (PEM) for mutual TLS; requires keyFile. */
  readonly certFile?: string;
  /** Client private key (PEM) for mutual TLS; requires certFile. */
  readonly keyFile?: string;
}

interface EtcdAuthOptions {
  readonly username: string;
  /** Never logged. */
  readonly password: string;
}

export interface EtcdBackendOptions {
  /** This member's stable ID (pod name); stored in its candidate key's value. */
  readonly memberId: string;
  /** Advertised host:port of this member's sidecar HTTP API; stored beside the ID. */
  readonly address: string;
  /** etcd client endpoints, `host:port`, optionally with an `http://` or `https://` scheme. */
  readonly endpoints: readonly string[];
  /** TLS towards etcd; also implied by `https://` endpoints. */
  readonly tls?: EtcdTlsOptions;
  readonly auth?: EtcdAuthOptions;
  /** Candidate keys live under `elector/<electionName>/`. */
  readonly electionName: string;
  /**
   * Lease TTL in whole seconds. Default: `--etcd-lease-ttl`'s (config/options/etcd.ts). Refused
   * if etcd would silently raise it.
   */
  readonly leaseTtlSeconds?: number;
  /** The leader stops acting this long before the lease could expire. Default 20 % of the TTL. */
  readonly safetyMarginMs?: number;
  /** Deadline of each unary etcd call. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** How often a member re-reads the candidate list (leader view, members, own key). Default TTL/2. */
  readonly refreshIntervalMs?: number;
  /** First retry delay after an etcd failure; doubles per failure, jittered. Default 100. */
  readonly retryBaseDelayMs?: number;
  /** Cap of the retry delay. Default 2000. */
  readonly retryMaxDelayMs?: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
}

/** Options after validation, with defaults applied and derived values computed. */
export interface ResolvedEtcdOptions {
  readonly memberId: string;
  readonly address: string;
  /** `host:port` without scheme. */
  readonly hosts: readonly string[];
  readonly isTls: boolean;
  readonly tls: EtcdTlsOptions | undefined;
  readonly auth: EtcdAuthOptions | undefined;
  readonly electionName: string;
  /** `elector/<electionName>/` */
  readonly keyPrefix: string;
  readonly leaseTtlSeconds: number;
  readonly safetyMarginMs: number;
  /** TTL/3, as etcd's Go client renews. */
  readonly keepaliveIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly refreshIntervalMs: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** etcd's `MaxLeaseTTL` (lease/lessor.go): larger grants fail with "too large lease TTL". */
const maximumLeaseTtlSeconds = 9_000_000_000;
/** `--etcd-lease-ttl`'s default, for callers that leave the TTL out. */
const defaultLeaseTtlSeconds = optionDefaults.etcdLeaseTtlMs / 1000;

const endpointPattern = /^(?:(https?):\/\/)?((?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5})\/?$/;
const addressPattern = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const electionNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks every option, one message per broken rule naming the option, the value and what is
 * accepted, and applies defaults. Throws CONFIG_INVALID listing every problem found.
 */
export function resolveEtcdOptions(options: EtcdBackendOptions): ResolvedEtcdOptions {
  const problems: string[] = [];
  const got = (value: unknown): string =>
    typeof value === 'number' || value === undefined ? String(value) : JSON.stringify(value);

  if (options.memberId.length === 0 || /\s/.test(options.memberId)) {
    problems.push(
      `memberId: expected a non-empty string without spaces; got ${got(options.memberId)}`,
    );
  }
  if (!addressPattern.test(options.address)) {
    problems.push(`address: expected host:port (e.g. 10.0.0.7:8080); got ${got(options.address)}`);
  }
  if (!electionNamePattern.test(options.electionName)) {
    problems.push(
      `electionName: expected 1–128 letters, digits, '.', '_' or '-' starting with a letter or digit; got ${got(options.electionName)}`,
    );
  }

  const schemes = new Set<string>();
  const hosts: string[] = [];
  if (options.endpoints.length === 0) {
    problems.push('endpoints: expected at least one etcd endpoint (host:port); got []');
  }
  for (const endpoint of options.endpoints) {
    const match = endpointPattern.exec(endpoint);
    if (match?.[2] === undefined) {
      problems.push(`endpoints: expected host:port or http(s)://host:port; got ${got(endpoint)}`);
      continue;
    }
    schemes.add(match[1] ?? (options.tls === undefined ? 'http' : 'https'));
    hosts.push(match[2]);
  }
  if (schemes.size > 1) {
    problems.push(`endpoints: expected all http:// or all https://; got ${got(options.endpoints)}`);
  }
  const isTls = schemes.has('https') || options.tls !== undefined;
  if (options.tls !== undefined && options.endpoints.some((e) => e.startsWith('http://'))) {
    problems.push(
      `endpoints: tls is set, so expected https:// or no scheme; got ${got(options.endpoints)}`,
    );
  }
  if ((options.tls?.certFile === undefined) !== (options.tls?.keyFile === undefined)) {
    problems.push('tls: expected certFile and keyFile together (mutual TLS) or neither');
  }
  if (options.auth !== undefined && options.auth.username.length === 0) {
    problems.push('auth.username: expected a non-empty user name; got ""');
  }

  const leaseTtlSeconds = options.leaseTtlSeconds ?? defaultLeaseTtlSeconds;
  const ttlIsValid =
    Number.isInteger(leaseTtlSeconds) &&
    leaseTtlSeconds >= 1 &&
    leaseTtlSeconds <= maximumLeaseTtlSeconds;
  if (!ttlIsValid) {
    problems.push(
      `leaseTtlSeconds: expected a whole number of seconds from 1 to ${maximumLeaseTtlSeconds}, and at least etcd's minimum (1.5 × its election timeout rounded up: 2 at etcd's defaults); got ${got(leaseTtlSeconds)}`,
    );
  }
  const ttlMs = ttlIsValid ? leaseTtlSeconds * 1000 : defaultLeaseTtlSeconds * 1000;
  const keepaliveIntervalMs = ttlMs / 3;

  const safetyMarginMs = options.safetyMarginMs ?? ttlMs / 5;
  // At least one renewal (sent every TTL/3) must be able to land before the deadline.
  const maximumMarginMs = ttlMs - keepaliveIntervalMs - 1;
  if (!(safetyMarginMs >= 0 && safetyMarginMs <= maximumMarginMs)) {
    problems.push(
      `safetyMarginMs: expected 0 to ${Math.floor(maximumMarginMs)} (below TTL − TTL/3, so a renewal can land before the deadline); got ${got(safetyMarginMs)}`,
    );
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
  if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs >= 1)) {
    problems.push(
      `requestTimeoutMs: expected a number of milliseconds ≥ 1; got ${got(requestTimeoutMs)}`,
    );
  }
  const refreshIntervalMs = options.refreshIntervalMs ?? ttlMs / 2;
  if (!(Number.isFinite(refreshIntervalMs) && refreshIntervalMs >= 10)) {
    problems.push(
      `refreshIntervalMs: expected a number of milliseconds ≥ 10; got ${got(refreshIntervalMs)}`,
    );
  }
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 2000;
  if (!(Number.isFinite(retryBaseDelayMs) && retryBaseDelayMs >= 1)) {
    problems.push(
      `retryBaseDelayMs: expected a number of milliseconds ≥ 1; got ${got(retryBaseDelayMs)}`,
    );
  } else if (!(Number.isFinite(retryMaxDelayMs) && retryMaxDelayMs >= retryBaseDelayMs)) {
    problems.push(
      `retryMaxDelayMs: expected a number of milliseconds ≥ retryBaseDelayMs (${retryBaseDelayMs}); got ${got(retryMaxDelayMs)}`,
    );
  }

  if (problems.length > 0) {
    throw new ElectorError('CONFIG_INVALID', problems.join('\n'));
  }
  return {
    memberId: options.memberId,
    address: options.address,
    hosts,
    isTls,
    tls: options.tls,
    auth: options.auth,
    electionName: options.electionName,
    keyPrefix: `elector/${options.electionName}/`,
    leaseTtlSeconds,
    safetyMarginMs,
    keepaliveIntervalMs,
    requestTimeoutMs,
    refreshIntervalMs,
    retryBaseDelayMs,
    retryMaxDelayMs,
  };
}

/**
 * etcd raises any TTL below its minimum to that minimum without an error (lessor.Grant), which
 * would silently lengthen failover. Called with the TTL of each grant response.
 */
export function checkGrantedTtl(requestedSeconds: number, grantedSeconds: number): void {
  if (grantedSeconds > requestedSeconds) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `leaseTtlSeconds: etcd raised the lease TTL from ${requestedSeconds} s to ${grantedSeconds} s, its minimum (1.5 × its election timeout, rounded up to whole seconds); expected ${grantedSeconds} to ${maximumLeaseTtlSeconds}; got ${requestedSeconds}`,
    );
  }
}
