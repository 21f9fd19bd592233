import { z } from 'zod';
import { backendNames } from '../core/backend-name.js';
import { parseDurationMs } from './duration.js';

/**
 * Every setting of `elector run`, declared once: its flag, its environment variable, its help
 * text and its zod type. The schema, the parser, the environment reader and --help all come
 * from this table, so they cannot disagree.
 */
export interface OptionSpec {
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly group: 'general' | 'raft' | 'http' | 'etcd' | 'zookeeper' | 'kubernetes' | 'workload';
  readonly description: string;
  readonly schema: z.ZodType;
  /** Shown in --help; absent for required or computed settings. */
  readonly defaultText?: string;
  readonly isBoolean?: boolean;
  readonly isSecret?: boolean;
}

const durationMs = (minimum: number, maximum: number): z.ZodType<number> =>
  z
    .string()
    .transform((text, context) => {
      const value = parseDurationMs(text);
      if (value === null) {
        context.addIssue({
          code: 'custom',
          message: 'expected a duration such as 500ms, 5s or 1m',
        });
        return z.NEVER;
      }
      return value;
    })
    .pipe(
      z
        .number()
        .min(minimum, `expected at least ${minimum} ms`)
        .max(maximum, `expected at most ${maximum} ms`),
    );

const port = z.coerce
  .number('expected a port number in 0..65535')
  .int('expected a whole port number')
  .min(0, 'expected a port in 0..65535')
  .max(65535, 'expected a port in 0..65535');
const list = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
const memberId = z
  .string()
  .min(1, 'expected a non-empty member ID')
  .max(253, 'expected at most 253 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'expected letters, digits, ".", "_" or "-", starting with a letter or digit',
  );
function booleanTextSchema(): z.ZodType<boolean> {
  return z.enum(['true', 'false']).transform((text) => text === 'true');
}
const path = z.string().min(1, 'expected a file path');

const count = (maximum: number): z.ZodType<number> =>
  z.coerce
    .number('expected a whole number')
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(maximum, `expected at most ${maximum}`);

function option(spec: OptionSpec): OptionSpec {
  return spec;
}

export const optionSpecs: readonly OptionSpec[] = [
  option({
    key: 'id',
    flag: 'id',
    env: 'ELECTOR_ID',
    group: 'general',
    schema: memberId,
    description:
      "This member's ID: unique, stable (a StatefulSet pod name; from the downward API metadata.name).",
  }),
  option({
    key: 'backend',
    flag: 'backend',
    env: 'ELECTOR_BACKEND',
    group: 'general',
    schema: z.enum(backendNames),
    defaultText: 'raft',
    description: 'Election backend.',
  }),
  option({
    key: 'election',
    flag: 'election',
    env: 'ELECTOR_ELECTION',
    group: 'general',
    schema: z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'expected a DNS label: lower-case letters, digits and "-", at most 63',
      ),
    defaultText: 'default',
    description: 'Name of the election (key prefix, znode, Lease name, metric label).',
  }),
  option({
    key: 'logLevel',
    flag: 'log-level',
    env: 'ELECTOR_LOG_LEVEL',
    group: 'general',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    defaultText: 'info',
    description: 'Log level (JSON logs on stdout).',
  }),
  option({
    key: 'shutdownTimeoutMs',
    flag: 'shutdown-timeout',
    env: 'ELECTOR_SHUTDOWN_TIMEOUT',
    group: 'general',
    schema: durationMs(100, 600_000),
    defaultText: '5s',
    description: 'On SIGTERM, hand over leadership and exit within this time.',
  }),
  option({
    key: 'leaderFile',
    flag: 'leader-file',
    env: 'ELECTOR_LEADER_FILE',
    group: 'general',
    schema: path,
    description:
      'Write the current leader as JSON to this file, atomically (e.g. on a shared emptyDir).',
  }),

  option({
    key: 'httpHost',
    flag: 'http-host',
    env: 'ELECTOR_HTTP_HOST',
    group: 'http',
    schema: z.string().min(1),
    defaultText: '0.0.0.0',
    description: 'Address the HTTP API listens on.',
  }),
  option({
    key: 'httpPort',
    flag: 'http-port',
    env: 'ELECTOR_HTTP_PORT',
    group: 'http',
    schema: port,
    defaultText: '4040',
    description: 'Port of the HTTP API (/leader, /role/leader, /metrics, ...).',
  }),
  option({
    key: 'advertiseAddress',
    flag: 'advertise-address',
    env: 'ELECTOR_ADVERTISE_ADDRESS',
    group: 'http',
    schema: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'),
    description: "host:port where other members and workloads reach this member's HTTP API.",
    defaultText: '<pod IP or id>:<http-port>',
  }),
  option({
    key: 'resignPolicy',
    flag: 'resign-policy',
    env: 'ELECTOR_RESIGN_POLICY',
    group: 'http',
    schema: z.enum(['loopback', 'token', 'loopback-or-token']),
    defaultText: 'loopback',
    description:
      'Who may POST /leader/resign: callers on loopback, callers with the resign token, or either.',
  }),
  option({
    key: 'resignTokenFile',
    flag: 'resign-token-file',
    env: 'ELECTOR_RESIGN_TOKEN_FILE',
    group: 'http',
    schema: path,
    isSecret: true,
    description: 'File holding the bearer token for POST /leader/resign.',
  }),

  option({
    key: 'members',
    flag: 'members',
    env: 'ELECTOR_MEMBERS',
    group: 'raft',
    schema: list.pipe(z.array(memberId)),
    description:
      'Raft: the desired member IDs, comma-separated (1, 3, 5 or 7), this one included. Restarting members with a new list changes the replicated member set (see Changing the member set).',
  }),
  option({
    key: 'peers',
    flag: 'peers',
    env: 'ELECTOR_PEERS',
    group: 'raft',
    schema: list,
    description:
      'Raft: static peer addresses, "id=host:port,..." (otherwise each peer is found by DNS through --peer-host-template).',
  }),
  option({
    key: 'peerHostTemplate',
    flag: 'peer-host-template',
    env: 'ELECTOR_PEER_HOST_TEMPLATE',
    group: 'raft',
    schema: z.string().includes('{id}', 'expected a template containing {id}'),
    defaultText: '{id}',
    description:
      'Raft: DNS name of a peer, e.g. "{id}.elector-peers.ns.svc.cluster.local" (re-resolved when a peer is unreachable).',
  }),
  option({
    key: 'peerHost',
    flag: 'peer-host',
    env: 'ELECTOR_PEER_HOST',
    group: 'raft',
    schema: z.string().min(1),
    defaultText: '0.0.0.0',
    description: 'Raft: address the peer port listens on.',
  }),
  option({
    key: 'peerPort',
    flag: 'peer-port',
    env: 'ELECTOR_PEER_PORT',
    group: 'raft',
    schema: port,
    defaultText: '7946',
    description: "Raft: peer port (this member's, and the default for peers found by DNS).",
  }),
  option({
    key: 'peerHttpAddresses',
    flag: 'peer-http-addresses',
    env: 'ELECTOR_PEER_HTTP_ADDRESSES',
    group: 'raft',
    schema: list,
    description:
      'Raft: HTTP API address of each member, "id=host:port,..." (default: the peer host with --http-port).',
  }),
  option({
    key: 'clusterSecretFile',
    flag: 'cluster-secret-file',
    env: 'ELECTOR_CLUSTER_SECRET_FILE',
    group: 'raft',
    schema: path,
    isSecret: true,
    description:
      'Raft: file holding the shared cluster secret that authenticates peers (a mounted Secret).',
  }),
  option({
    key: 'clusterSecret',
    flag: 'cluster-secret',
    env: 'ELECTOR_CLUSTER_SECRET',
    group: 'raft',
    schema: z.string().min(16, 'expected at least 16 characters'),
    isSecret: true,
    description: 'Raft: the cluster secret itself (prefer the file or the environment variable).',
  }),
  option({
    key: 'stateDir',
    flag: 'state-dir',
    env: 'ELECTOR_STATE_DIR',
    group: 'raft',
    schema: path,
    defaultText: './elector-state',
    description:
      'Raft: directory for the durable term, vote and configuration (keep it across restarts: a PVC).',
  }),
  option({
    key: 'heartbeatIntervalMs',
    flag: 'heartbeat-interval',
    env: 'ELECTOR_HEARTBEAT_INTERVAL',
    group: 'raft',
    schema: durationMs(1, 60_000),
    defaultText: '100ms',
    description: 'Raft: leader heartbeat interval.',
  }),
  option({
    key: 'electionTimeoutMs',
    flag: 'election-timeout',
    env: 'ELECTOR_ELECTION_TIMEOUT',
    group: 'raft',
    schema: durationMs(3, 600_000),
    defaultText: '500ms',
    description:
      'Raft: election timeout T (followers campaign after a random [T, 2T]); at least 3 heartbeats.',
  }),
  option({
    key: 'maxClockDrift',
    flag: 'max-clock-drift',
    env: 'ELECTOR_MAX_CLOCK_DRIFT',
    group: 'raft',
    schema: z.coerce
      .number('expected a number')
      .min(0, 'expected a fraction in [0, 0.5)')
      .lt(0.5, 'expected a fraction in [0, 0.5)'),
    defaultText: '0.05',
    description: 'Raft: bound on clock-rate disagreement; the leader lease is T × (1 − drift).',
  }),
  option({
    key: 'leaveTimeoutMs',
    flag: 'leave-timeout',
    env: 'ELECTOR_LEAVE_TIMEOUT',
    group: 'raft',
    schema: durationMs(0, 600_000),
    defaultText: '20s',
    description:
      'Raft in Kubernetes: on SIGTERM, a pod its StatefulSet scaled away first leaves the member set, waiting up to this long for its removal to commit (keep terminationGracePeriodSeconds above it plus --shutdown-timeout); 0 turns this off.',
  }),

  option({
    key: 'etcdEndpoints',
    flag: 'etcd-endpoints',
    env: 'ELECTOR_ETCD_ENDPOINTS',
    group: 'etcd',
    schema: list,
    description: 'etcd: client endpoints, "host:port,..." (https:// when the TLS options are set).',
  }),
  option({
    key: 'etcdCaFile',
    flag: 'etcd-ca-file',
    env: 'ELECTOR_ETCD_CA_FILE',
    group: 'etcd',
    schema: path,
    description: 'etcd: CA bundle that signed the server certificates.',
  }),
  option({
    key: 'etcdCertFile',
    flag: 'etcd-cert-file',
    env: 'ELECTOR_ETCD_CERT_FILE',
    group: 'etcd',
    schema: path,
    description: 'etcd: client certificate (with --etcd-key-file).',
  }),
  option({
    key: 'etcdKeyFile',
    flag: 'etcd-key-file',
    env: 'ELECTOR_ETCD_KEY_FILE',
    group: 'etcd',
    schema: path,
    isSecret: true,
    description: 'etcd: client private key.',
  }),
  option({
    key: 'etcdUsername',
    flag: 'etcd-username',
    env: 'ELECTOR_ETCD_USERNAME',
    group: 'etcd',
    schema: z.string().min(1),
    description: 'etcd: user name for etcd authentication.',
  }),
  option({
    key: 'etcdPasswordFile',
    flag: 'etcd-password-file',
    env: 'ELECTOR_ETCD_PASSWORD_FILE',
    group: 'etcd',
    schema: path,
    isSecret: true,
    description: 'etcd: file holding the password of --etcd-username.',
  }),
  option({
    key: 'etcdLeaseTtlMs',
    flag: 'etcd-lease-ttl',
    env: 'ELECTOR_ETCD_LEASE_TTL',
    group: 'etcd',
    schema: durationMs(1000, 3_600_000).refine(
      (value) => value % 1000 === 0,
      'expected whole seconds, such as 5s',
    ),
    defaultText: '5s',
    description:
      'etcd: lease TTL; the leader stops acting when it cannot renew within it. etcd raises TTLs below its own minimum, which is refused at start.',
  }),

  option({
    key: 'zookeeperConnect',
    flag: 'zookeeper-connect',
    env: 'ELECTOR_ZOOKEEPER_CONNECT',
    group: 'zookeeper',
    schema: z.string().min(1),
    description: 'ZooKeeper: connect string "host:port,host:port".',
  }),
  option({
    key: 'zookeeperChroot',
    flag: 'zookeeper-chroot',
    env: 'ELECTOR_ZOOKEEPER_CHROOT',
    group: 'zookeeper',
    schema: z.string().regex(/^\/[^\s]*$/, 'expected an absolute znode path such as /team-a'),
    description: 'ZooKeeper: path prefix under which the election lives.',
  }),
  option({
    key: 'zookeeperSessionTimeoutMs',
    flag: 'zookeeper-session-timeout',
    env: 'ELECTOR_ZOOKEEPER_SESSION_TIMEOUT',
    group: 'zookeeper',
    schema: durationMs(400, 600_000),
    defaultText: '4s',
    description:
      "ZooKeeper: session timeout; must lie within the server's 2..20 × tickTime or start is refused.",
  }),
  option({
    key: 'zookeeperAuthFile',
    flag: 'zookeeper-auth-file',
    env: 'ELECTOR_ZOOKEEPER_AUTH_FILE',
    group: 'zookeeper',
    schema: path,
    isSecret: true,
    description:
      'ZooKeeper: file holding "user:password" for digest auth (znodes then get a creator-only ACL).',
  }),

  option({
    key: 'kubeconfig',
    flag: 'kubeconfig',
    env: 'ELECTOR_KUBECONFIG',
    group: 'kubernetes',
    schema: path,
    description:
      'Kubernetes: kubeconfig file (outside a cluster); in a pod the service account is used.',
    defaultText: 'in-cluster',
  }),
  option({
    key: 'namespace',
    flag: 'namespace',
    env: 'ELECTOR_NAMESPACE',
    group: 'kubernetes',
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a namespace name (DNS label)'),
    description: "Kubernetes: this pod's namespace (downward API metadata.namespace).",
  }),
  option({
    key: 'podName',
    flag: 'pod-name',
    env: 'ELECTOR_POD_NAME',
    group: 'kubernetes',
    schema: z.string().min(1),
    description: "Kubernetes: this pod's name (downward API metadata.name).",
    defaultText: 'the --id',
  }),
  option({
    key: 'podLabels',
    flag: 'pod-labels',
    env: 'ELECTOR_POD_LABELS',
    group: 'kubernetes',
    schema: z.enum(['auto', 'true', 'false']),
    defaultText: 'auto',
    description:
      'Kubernetes: keep the role label on this pod; auto = on inside a cluster or with --kubeconfig.',
  }),
  option({
    key: 'roleLabelKey',
    flag: 'role-label-key',
    env: 'ELECTOR_ROLE_LABEL_KEY',
    group: 'kubernetes',
    schema: z.string().min(1),
    defaultText: 'elector.io/role',
    description: 'Kubernetes: label set to leader/follower on this pod.',
  }),
  option({
    key: 'electionLabelKey',
    flag: 'election-label-key',
    env: 'ELECTOR_ELECTION_LABEL_KEY',
    group: 'kubernetes',
    schema: z.string().min(1),
    defaultText: 'elector.io/election',
    description:
      'Kubernetes: label whose value (the election name) selects the pods of this election for stale-label cleanup.',
  }),
  option({
    key: 'readinessConditionType',
    flag: 'readiness-condition-type',
    env: 'ELECTOR_READINESS_CONDITION_TYPE',
    group: 'kubernetes',
    schema: z.string().min(1),
    description:
      'Kubernetes: also keep this pod condition True only while leading (for a readinessGates entry).',
  }),
  option({
    key: 'podEvents',
    flag: 'pod-events',
    env: 'ELECTOR_POD_EVENTS',
    group: 'kubernetes',
    schema: booleanTextSchema(),
    defaultText: 'true',
    description: 'Kubernetes: record BecameLeader/SteppedDown Events on this pod (rate-limited).',
  }),
  option({
    key: 'leaseName',
    flag: 'lease-name',
    env: 'ELECTOR_LEASE_NAME',
    group: 'kubernetes',
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a DNS subdomain name'),
    defaultText: 'elector-<election>',
    description: 'Kubernetes Lease backend: name of the coordination.k8s.io Lease.',
  }),
  option({
    key: 'leaseDurationMs',
    flag: 'lease-duration',
    env: 'ELECTOR_LEASE_DURATION',
    group: 'kubernetes',
    schema: durationMs(1000, 3_600_000),
    defaultText: '15s',
    description:
      'Kubernetes Lease backend: how long others wait, on their own clock, before taking over an unrenewed Lease.',
  }),
  option({
    key: 'leaseRenewDeadlineMs',
    flag: 'lease-renew-deadline',
    env: 'ELECTOR_LEASE_RENEW_DEADLINE',
    group: 'kubernetes',
    schema: durationMs(100, 3_600_000),
    defaultText: '10s',
    description:
      'Kubernetes Lease backend: the leader stops acting when it has not renewed for this long.',
  }),
  option({
    key: 'leaseRetryPeriodMs',
    flag: 'lease-retry-period',
    env: 'ELECTOR_LEASE_RETRY_PERIOD',
    group: 'kubernetes',
    schema: durationMs(10, 600_000),
    defaultText: '2s',
    description: 'Kubernetes Lease backend: renew and retry interval.',
  }),

  option({
    key: 'healthHttpUrl',
    flag: 'health-http-url',
    env: 'ELECTOR_HEALTH_HTTP_URL',
    group: 'workload',
    schema: z.string().min(1),
    description:
      'Workload health check: GET this URL (e.g. http://127.0.0.1:8080/healthz); healthy on 200-399. While unhealthy this member does not campaign, and a leader hands over.',
  }),
  option({
    key: 'healthTcpAddress',
    flag: 'health-tcp-address',
    env: 'ELECTOR_HEALTH_TCP_ADDRESS',
    group: 'workload',
    schema: z.string().min(1),
    description: 'Workload health check: healthy when a TCP connection to host:port opens.',
  }),
  option({
    key: 'healthExec',
    flag: 'health-exec',
    env: 'ELECTOR_HEALTH_EXEC',
    group: 'workload',
    schema: z.string().min(1),
    description:
      'Workload health check: healthy when this shell command (sh -c, run in the elector container) exits 0; killed at --health-timeout.',
  }),
  option({
    key: 'healthPeriodMs',
    flag: 'health-period',
    env: 'ELECTOR_HEALTH_PERIOD',
    group: 'workload',
    schema: durationMs(10, 600_000),
    defaultText: '100ms',
    description: 'Time from the start of one health probe to the next.',
  }),
  option({
    key: 'healthTimeoutMs',
    flag: 'health-timeout',
    env: 'ELECTOR_HEALTH_TIMEOUT',
    group: 'workload',
    schema: durationMs(1, 600_000),
    defaultText: '100ms',
    description: 'A probe without an answer after this counts as failed; at most --health-period.',
  }),
  option({
    key: 'healthFailureThreshold',
    flag: 'health-failure-threshold',
    env: 'ELECTOR_HEALTH_FAILURE_THRESHOLD',
    group: 'workload',
    schema: count(100),
    defaultText: '3',
    description: 'Consecutive failed probes that make the workload unhealthy.',
  }),
  option({
    key: 'healthSuccessThreshold',
    flag: 'health-success-threshold',
    env: 'ELECTOR_HEALTH_SUCCESS_THRESHOLD',
    group: 'workload',
    schema: count(100),
    defaultText: '1',
    description: 'Consecutive successful probes that make it healthy (it starts unhealthy).',
  }),
  option({
    key: 'healthInitialDelayMs',
    flag: 'health-initial-delay',
    env: 'ELECTOR_HEALTH_INITIAL_DELAY',
    group: 'workload',
    schema: durationMs(0, 3_600_000),
    defaultText: '0s',
    description: 'Wait this long before the first probe.',
  }),
  option({
    key: 'onLeaderExec',
    flag: 'on-leader-exec',
    env: 'ELECTOR_ON_LEADER_EXEC',
    group: 'workload',
    schema: z.string().min(1),
    description:
      'Shell command run when this member becomes leader (env ELECTOR_ROLE, ELECTOR_LEADER, ELECTOR_FENCING_TOKEN, ELECTOR_TERM, ELECTOR_ELECTION).',
  }),
  option({
    key: 'onFollowerExec',
    flag: 'on-follower-exec',
    env: 'ELECTOR_ON_FOLLOWER_EXEC',
    group: 'workload',
    schema: z.string().min(1),
    description:
      'Shell command run when this member stops leading (also ELECTOR_PREVIOUS_FENCING_TOKEN).',
  }),
  option({
    key: 'onLeaderUrl',
    flag: 'on-leader-url',
    env: 'ELECTOR_ON_LEADER_URL',
    group: 'workload',
    schema: z.string().min(1),
    description: 'POST the same fields as JSON to this URL when this member becomes leader.',
  }),
  option({
    key: 'onFollowerUrl',
    flag: 'on-follower-url',
    env: 'ELECTOR_ON_FOLLOWER_URL',
    group: 'workload',
    schema: z.string().min(1),
    description: 'POST them to this URL when this member stops leading.',
  }),
  option({
    key: 'hookTimeoutMs',
    flag: 'hook-timeout',
    env: 'ELECTOR_HOOK_TIMEOUT',
    group: 'workload',
    schema: durationMs(10, 600_000),
    defaultText: '5s',
    description:
      'Per hook: an exec hook still running is killed with its process group; an HTTP hook is cut off.',
  }),
];

export type OptionKey = (typeof optionSpecs)[number]['key'];
