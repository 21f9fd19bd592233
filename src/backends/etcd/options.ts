import { optionDefaults } from '../../config/schema.js';
import { ElectorError } from '../../core/errors.js';
import type { BackendServices } from '../backend-runtime.js';

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

export interface EtcdBackendOptions extends BackendServices {
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
   * Lease TTL in whole seconds, 1 to 3600. Default: `--etcd-lease-ttl`'s (config/options/etcd.ts).
   * Refused at start if etcd would silently raise it.
   */
  readonly leaseTtlSeconds?: number;
  /**
   * The leader stops acting this long before the lease could expire; below TTL − TTL/3, so a
   * renewal can land first. Default 20 % of the TTL.
   */
  readonly safetyMarginMs?: number;
  /** Deadline of each unary etcd call. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** How often a member re-reads the candidate list (leader view, members, own key). Default TTL/2. */
  readonly refreshIntervalMs?: number;
  /** First retry delay after an etcd failure; doubles per failure, jittered. Default 100. */
  readonly retryBaseDelayMs?: number;
  /** Cap of the retry delay. Default 2000. */
  readonly retryMaxDelayMs?: number;
  /** This member's `--priority`, published in its key's value. Default 0 (never preempts). */
  readonly priority?: number;
  /**
   * How long a candidate of higher priority must stay queued before the leader hands over to it
   * (`--priority-handover-delay`). Default 10 s.
   */
  readonly priorityHandoverDelayMs?: number;
}

/** Options with defaults applied and derived values computed. */
export type ResolvedEtcdOptions = Required<
  Omit<EtcdBackendOptions, keyof BackendServices | 'endpoints' | 'tls' | 'auth'>
> & {
  /** `host:port` without scheme. */
  readonly hosts: readonly string[];
  readonly isTls: boolean;
  readonly tls: EtcdTlsOptions | undefined;
  readonly auth: EtcdAuthOptions | undefined;
  /** `elector/<electionName>/` */
  readonly keyPrefix: string;
  /** `elector-handover/<electionName>`: the handover record, outside the candidates' prefix. */
  readonly handoverKey: string;
  /** TTL/3, as etcd's Go client renews. */
  readonly keepaliveIntervalMs: number;
};

/** etcd's `MaxLeaseTTL` (lease/lessor.go): larger grants fail with "too large lease TTL". */
const maximumLeaseTtlSeconds = 9_000_000_000;

/**
 * Applies defaults and derives the key prefix, the hosts and whether TLS is on. The settings
 * were checked once, by the option table (config/options/etcd.ts); a programmatic caller
 * passes values of the same kinds.
 */
export function resolveEtcdOptions(options: EtcdBackendOptions): ResolvedEtcdOptions {
  const leaseTtlSeconds = options.leaseTtlSeconds ?? optionDefaults.etcdLeaseTtlMs / 1000;
  const ttlMs = leaseTtlSeconds * 1000;
  return {
    memberId: options.memberId,
    address: options.address,
    hosts: options.endpoints.map((endpoint) => endpoint.replace(/^https?:\/\/|\/$/g, '')),
    isTls: options.tls !== undefined || options.endpoints.some((e) => e.startsWith('https://')),
    tls: options.tls,
    auth: options.auth,
    electionName: options.electionName,
    keyPrefix: `elector/${options.electionName}/`,
    handoverKey: `elector-handover/${options.electionName}`,
    leaseTtlSeconds,
    safetyMarginMs: options.safetyMarginMs ?? ttlMs / 5,
    keepaliveIntervalMs: ttlMs / 3,
    requestTimeoutMs: options.requestTimeoutMs ?? 2000,
    refreshIntervalMs: options.refreshIntervalMs ?? ttlMs / 2,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 100,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 2000,
    priority: options.priority ?? optionDefaults.priority,
    priorityHandoverDelayMs:
      options.priorityHandoverDelayMs ?? optionDefaults.priorityHandoverDelayMs,
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
