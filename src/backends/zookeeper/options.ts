import type { Logger } from 'pino';
import { z } from 'zod';
import { optionDefaults } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';

/** ZooKeeper's digest scheme: `user:password`, sent to the server with every (re)connect. */
export interface ZooKeeperAuth {
  readonly scheme: 'digest';
  readonly credentials: string;
}

export interface ZooKeeperBackendOptions {
  /** This member's ID, stored in its candidate znode's data. */
  readonly memberId: string;
  /** host:port where this member's sidecar HTTP API is reachable; stored beside the ID. */
  readonly address: string;
  /** Comma-separated host:port list of the ensemble, without a chroot suffix (use `chroot`). */
  readonly connectString: string;
  /** Optional path prefix under which `electionName` lives, e.g. "/team-a". */
  readonly chroot?: string;
  /** Absolute znode path of the election's parent node; created with its parents if missing. */
  readonly electionName: string;
  /**
   * Requested session timeout. Default: `--zookeeper-session-timeout`'s. Must lie within the
   * server's 2·tickTime..20·tickTime.
   */
  readonly sessionTimeoutMs?: number;
  /** Digest credentials; when set, every znode elector creates gets a creator-only ACL. */
  readonly auth?: ZooKeeperAuth;
  /**
   * How often a follower re-reads the queue when no watch woke it first. Default: a sixth of the
   * negotiated session timeout, the cadence at which the leader proves its place.
   */
  readonly refreshIntervalMs?: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
}

/** Options after validation, with defaults applied and the chroot folded into the paths. */
export interface ZooKeeperSettings {
  readonly memberId: string;
  readonly address: string;
  readonly connectString: string;
  /** chroot + electionName: the parent of the candidate znodes. */
  readonly parentPath: string;
  readonly sessionTimeoutMs: number;
  readonly auth: ZooKeeperAuth | null;
  /** Null: a sixth of the negotiated session timeout. */
  readonly refreshIntervalMs: number | null;
}

// ZooKeeper path rules (server PathUtils): absolute, no empty, "." or ".." segments, no trailing "/".
const znodePath = z
  .string()
  .regex(/^(\/[^/]+)+$/, 'expected an absolute znode path such as "/elector/orders"')
  .refine((path) => !path.split('/').some((segment) => segment === '.' || segment === '..'), {
    message: 'znode path segments may not be "." or ".."',
  });

const hostPort = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

const schema = z.object({
  memberId: z.string().min(1).max(253),
  address: z.string().regex(hostPort, 'expected host:port'),
  connectString: z
    .string()
    .min(1)
    .refine((value) => !value.includes('/'), {
      message: 'expected host:port[,host:port...] without a chroot suffix; use the chroot option',
    })
    .refine((value) => value.split(',').every((server) => hostPort.test(server.trim())), {
      message: 'expected host:port[,host:port...]',
    }),
  chroot: znodePath.optional(),
  electionName: znodePath,
  sessionTimeoutMs: z.int().min(100).max(600_000).default(optionDefaults.zookeeperSessionTimeoutMs),
  refreshIntervalMs: z.int().min(10).max(3_600_000).optional(),
  auth: z
    .object({
      scheme: z.literal('digest'),
      credentials: z.string().regex(/^[^:]+:.+$/, 'expected "user:password"'),
    })
    .optional(),
});

/**
 * Validates the data options and applies defaults. Throws ElectorError CONFIG_INVALID naming
 * every bad option, the value received (never a credential) and what is accepted.
 */
export function parseZooKeeperOptions(options: ZooKeeperBackendOptions): ZooKeeperSettings {
  const parsed = schema.safeParse({
    memberId: options.memberId,
    address: options.address,
    connectString: options.connectString,
    chroot: options.chroot,
    electionName: options.electionName,
    sessionTimeoutMs: options.sessionTimeoutMs,
    refreshIntervalMs: options.refreshIntervalMs,
    auth: options.auth,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const received = path.startsWith('auth') ? '(redacted)' : describeValue(options, issue.path);
      return `zookeeper.${path}: ${issue.message}; got ${received}`;
    });
    throw new ElectorError('CONFIG_INVALID', lines.join('\n'));
  }
  const data = parsed.data;
  return {
    memberId: data.memberId,
    address: data.address,
    connectString: data.connectString,
    parentPath: `${data.chroot ?? ''}${data.electionName}`,
    sessionTimeoutMs: data.sessionTimeoutMs,
    auth: data.auth ?? null,
    refreshIntervalMs: data.refreshIntervalMs ?? null,
  };
}

/**
 * The server clamps the requested timeout to [minSessionTimeout, maxSessionTimeout] (by default
 * 2·tickTime..20·tickTime). A silently different timeout would change failover and lease times,
 * so a mismatch is refused with CONFIG_INVALID.
 */
export function checkNegotiatedTimeout(requestedMs: number, negotiatedMs: number): void {
  if (requestedMs === negotiatedMs) return;
  const bound = negotiatedMs > requestedMs ? 'minimum' : 'maximum';
  const tickTimeMs = negotiatedMs > requestedMs ? negotiatedMs / 2 : negotiatedMs / 20;
  throw new ElectorError(
    'CONFIG_INVALID',
    `zookeeper.sessionTimeoutMs: requested ${requestedMs} ms but the server negotiated ` +
      `${negotiatedMs} ms, its ${bound}; servers accept minSessionTimeout..maxSessionTimeout ` +
      `(by default 2·tickTime..20·tickTime, here tickTime ≈ ${tickTimeMs} ms if the defaults ` +
      `apply); set sessionTimeoutMs within the server's bounds`,
  );
}

function describeValue(options: ZooKeeperBackendOptions, path: readonly PropertyKey[]): string {
  let value: unknown = options;
  for (const key of path) {
    value = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
  }
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
