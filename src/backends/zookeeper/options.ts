import { optionDefaults } from '../../config/schema.js';
import { ElectorError } from '../../core/errors.js';
import type { BackendServices } from '../backend-runtime.js';

/** ZooKeeper's digest scheme: `user:password`, sent to the server with every (re)connect. */
export interface ZooKeeperAuth {
  readonly scheme: 'digest';
  readonly credentials: string;
}

export interface ZooKeeperBackendOptions extends BackendServices {
  /** This member's ID, stored in its candidate znode's data. */
  readonly memberId: string;
  /** host:port where this member's sidecar HTTP API is reachable; stored beside the ID. */
  readonly address: string;
  /**
   * Comma-separated host:port list of the ensemble (host names or IPv4: the client cannot dial a
   * bracketed IPv6 literal), without a chroot suffix (use `chroot`).
   */
  readonly connectString: string;
  /** Optional absolute znode path under which `electionName` lives, e.g. "/team-a". */
  readonly chroot?: string;
  /** Absolute znode path of the election's parent node; created with its parents if missing. */
  readonly electionName: string;
  /**
   * Requested session timeout, whole milliseconds. Default: `--zookeeper-session-timeout`'s.
   * Refused at start unless it lies within the server's bounds (2·tickTime..20·tickTime).
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Digest credentials, "user:password"; when set, every znode elector creates gets a
   * creator-only ACL.
   */
  readonly auth?: ZooKeeperAuth;
  /**
   * How often a follower re-reads the queue when no watch woke it first. Default: a sixth of the
   * negotiated session timeout, the cadence at which the leader proves its place.
   */
  readonly refreshIntervalMs?: number;
  /** This member's `--priority`, published in its znode's data. Default 0 (never preempts). */
  readonly priority?: number;
  /**
   * How long a candidate of higher priority must stay queued before the leader hands over to it
   * (`--priority-handover-delay`). Default 10 s.
   */
  readonly priorityHandoverDelayMs?: number;
}

/** Options with defaults applied and the chroot folded into the paths. */
export type ZooKeeperSettings = Required<
  Pick<ZooKeeperBackendOptions, 'memberId' | 'address' | 'connectString' | 'sessionTimeoutMs'>
> & {
  /** chroot + electionName: the parent of the candidate znodes. */
  readonly parentPath: string;
  readonly auth: ZooKeeperAuth | null;
  /** Null: a sixth of the negotiated session timeout. */
  readonly refreshIntervalMs: number | null;
  /**
   * chroot + `/elector-handover` + electionName: the leader's EPHEMERAL handover record, outside
   * the election node, so kazoo and Curator never count it as a participant.
   */
  readonly handoverPath: string;
  readonly priority: number;
  readonly priorityHandoverDelayMs: number;
};

/**
 * Applies defaults and folds the chroot into the parent path. The settings were checked once,
 * by the option table (config/options/zookeeper.ts) and, for the credentials, by
 * zookeeperFromConfig; a programmatic caller passes values of the same kinds.
 */
export function resolveZooKeeperOptions(options: ZooKeeperBackendOptions): ZooKeeperSettings {
  return {
    memberId: options.memberId,
    address: options.address,
    connectString: options.connectString,
    parentPath: `${options.chroot ?? ''}${options.electionName}`,
    sessionTimeoutMs: options.sessionTimeoutMs ?? optionDefaults.zookeeperSessionTimeoutMs,
    auth: options.auth ?? null,
    refreshIntervalMs: options.refreshIntervalMs ?? null,
    handoverPath: `${options.chroot ?? ''}/elector-handover${options.electionName}`,
    priority: options.priority ?? optionDefaults.priority,
    priorityHandoverDelayMs:
      options.priorityHandoverDelayMs ?? optionDefaults.priorityHandoverDelayMs,
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
