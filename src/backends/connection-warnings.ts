// The wording of every backend connection warning, in one place (logged at start, shown by
// /cluster/status and `elector status`).
import type { Logger } from 'pino';
import type { BackendWarning } from './backend.js';

const zookeeperOpenAcl: BackendWarning = {
  event: 'security.open-acl',
  message:
    'ZooKeeper runs without auth: the election znodes are created with the open ACL ' +
    '(world:anyone, all permissions), so any client of the ensemble can delete or rewrite ' +
    'them and take or break leadership; set --zookeeper-auth-file to give them a creator-only ACL',
};

const zookeeperCredentialsInClear: BackendWarning = {
  event: 'security.credentials-in-clear',
  message:
    "ZooKeeper's digest credentials (--zookeeper-auth-file) always travel in clear text: " +
    "elector's ZooKeeper client has no TLS, so anyone who can read the traffic to the ensemble " +
    'can read them; keep that traffic on a network you trust (a NetworkPolicy, a mesh with mTLS)',
};

const etcdCredentialsInClear: BackendWarning = {
  event: 'security.credentials-in-clear',
  message:
    'etcd credentials travel in clear text: --etcd-username and its password go to http:// ' +
    'endpoints without TLS, so anyone who can read the traffic to etcd can read them and the ' +
    'auth tokens; use https:// endpoints (with --etcd-ca-file)',
};

/** The ZooKeeper backend's warnings: open ACL without auth, credentials in clear with it. */
export function zookeeperConnectionWarnings(hasAuth: boolean): readonly BackendWarning[] {
  return [hasAuth ? zookeeperCredentialsInClear : zookeeperOpenAcl];
}

/** The etcd backend's warnings: credentials over endpoints without TLS. */
export function etcdConnectionWarnings(settings: {
  readonly hasAuth: boolean;
  readonly isTls: boolean;
}): readonly BackendWarning[] {
  return settings.hasAuth && !settings.isTls ? [etcdCredentialsInClear] : [];
}

/** One warn line per warning, each with its `event`. */
export function logConnectionWarnings(logger: Logger, warnings: readonly BackendWarning[]): void {
  for (const warning of warnings) logger.warn({ event: warning.event }, warning.message);
}
