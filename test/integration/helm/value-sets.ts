// The values sets the chart tests render (charts/elector/ci/ plus the defaults), each with what
// the rendered objects must be: the objects kubectl creates, the Role's rules, sidecar variables.
import type { PolicyRuleJson } from './objects.js';

/** The StatefulSet's pod names, `<name>-0` .. `<name>-(replicas-1)`. */
const podNames = (statefulSet: string, replicas: number): string[] =>
  Array.from({ length: replicas }, (_, ordinal) => `${statefulSet}-${ordinal}`);
/** Reading pods cannot be limited to names (list); patching is, to the election's own pods. */
const podRules = (names: readonly string[]): PolicyRuleJson[] => [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods'], resourceNames: [...names], verbs: ['patch'] },
];
const statusRule = (names: readonly string[]): PolicyRuleJson => ({
  apiGroups: [''],
  resources: ['pods/status'],
  resourceNames: [...names],
  verbs: ['patch'],
});
const eventRule: PolicyRuleJson = { apiGroups: [''], resources: ['events'], verbs: ['create'] };
/** Raft: a pod scaled away reads its StatefulSet on SIGTERM and leaves the member set first. */
const statefulSetRule = (name: string): PolicyRuleJson => ({
  apiGroups: ['apps'],
  resources: ['statefulsets'],
  resourceNames: [name],
  verbs: ['get'],
});
/** The Secrets the first sidecar creates (create cannot be limited by name; reading can). */
const secretRules = (names: readonly string[]): PolicyRuleJson[] => [
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: [...names], verbs: ['get'] },
];
const leaseRules = (name: string): PolicyRuleJson[] => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [name],
    verbs: ['get', 'update', 'watch'],
  },
];

export interface ValueSet {
  readonly name: string;
  /** A file of charts/elector/ci/, or null for the default values. */
  readonly file: string | null;
  readonly namespace: string;
  readonly rules: readonly PolicyRuleJson[];
  /** Environment the sidecar must get (a subset). */
  readonly env: Readonly<Record<string, string>>;
  readonly objects: readonly string[];
}

export const valueSets: readonly ValueSet[] = [
  {
    name: 'the default values (Raft, the sidecar alone)',
    file: null,
    namespace: 'defaults',
    rules: [
      ...podRules(podNames('elector', 3)),
      eventRule,
      statefulSetRule('elector'),
      ...secretRules(['elector-cluster-secret', 'elector-resign-token']),
    ],
    env: { ELECTOR_BACKEND: 'raft', ELECTOR_MEMBERS: 'elector-0,elector-1,elector-2' },
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'poddisruptionbudget.policy/elector',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
      'statefulset.apps/elector',
    ],
  },
  {
    name: 'Raft beside a workload with every optional object',
    file: 'raft-workload-values.yaml',
    namespace: 'raft',
    rules: [
      ...podRules(podNames('elector', 3)),
      statusRule(podNames('elector', 3)),
      eventRule,
      statefulSetRule('elector'),
      ...secretRules(['elector-cluster-secret', 'elector-resign-token']),
    ],
    env: {
      ELECTOR_READINESS_CONDITION_TYPE: 'elector.io/leader',
      ELECTOR_LEADER_FILE: '/var/run/elector/leader.json',
    },
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'poddisruptionbudget.policy/elector',
      'prometheusrule.monitoring.coreos.com/elector',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
      'servicemonitor.monitoring.coreos.com/elector',
      'statefulset.apps/elector',
    ],
  },
  {
    name: 'etcd over TLS with a user',
    file: 'etcd-values.yaml',
    namespace: 'etcd',
    rules: [...podRules(podNames('elector', 2)), ...secretRules(['elector-resign-token'])],
    env: {
      ELECTOR_BACKEND: 'etcd',
      ELECTOR_ETCD_ENDPOINTS:
        'https://etcd-0.etcd:2379,https://etcd-1.etcd:2379,https://etcd-2.etcd:2379',
      ELECTOR_ETCD_CA_FILE: '/etc/elector/etcd-tls/ca.crt',
      ELECTOR_ETCD_CERT_FILE: '/etc/elector/etcd-tls/tls.crt',
      ELECTOR_ETCD_KEY_FILE: '/etc/elector/etcd-tls/tls.key',
      ELECTOR_ETCD_USERNAME: 'elector',
      ELECTOR_ETCD_PASSWORD_FILE: '/etc/elector/etcd-auth/password',
      ELECTOR_ETCD_LEASE_TTL: '5s',
      ELECTOR_POD_EVENTS: 'false',
    },
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
      'statefulset.apps/elector',
    ],
  },
  {
    name: 'ZooKeeper with digest auth and a resign token',
    file: 'zookeeper-values.yaml',
    namespace: 'zookeeper',
    rules: [...podRules(podNames('elector', 2)), eventRule],
    env: {
      ELECTOR_BACKEND: 'zookeeper',
      ELECTOR_ZOOKEEPER_CONNECT: 'zk-0.zk:2181,zk-1.zk:2181,zk-2.zk:2181',
      ELECTOR_ZOOKEEPER_CHROOT: '/team-a',
      ELECTOR_ZOOKEEPER_SESSION_TIMEOUT: '6s',
      ELECTOR_ZOOKEEPER_AUTH_FILE: '/etc/elector/zookeeper-auth/auth',
      ELECTOR_RESIGN_POLICY: 'loopback-or-token',
      ELECTOR_RESIGN_TOKEN_FILE: '/etc/elector/resign/token',
    },
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
      'statefulset.apps/elector',
    ],
  },
  {
    name: 'the Kubernetes Lease backend',
    file: 'kubernetes-values.yaml',
    namespace: 'lease',
    rules: [
      ...podRules(podNames('elector', 2)),
      eventRule,
      ...secretRules(['elector-resign-token']),
      ...leaseRules('elector-billing'),
    ],
    env: {
      ELECTOR_BACKEND: 'kubernetes',
      ELECTOR_ELECTION: 'billing',
      ELECTOR_LEASE_NAME: 'elector-billing',
      ELECTOR_LEASE_DURATION: '10s',
      ELECTOR_LEASE_RENEW_DEADLINE: '6s',
      ELECTOR_LEASE_RETRY_PERIOD: '1s',
    },
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
      'statefulset.apps/elector',
    ],
  },
  {
    name: 'include mode (another chart runs the pods)',
    file: 'include-values.yaml',
    namespace: 'include',
    rules: [
      ...podRules(podNames('web', 3)),
      eventRule,
      statefulSetRule('web'),
      ...secretRules(['elector-cluster-secret', 'elector-resign-token']),
    ],
    env: {},
    objects: [
      'configmap/elector-dashboard',
      'pod/elector-test-one-leader',
      'role.rbac.authorization.k8s.io/elector',
      'rolebinding.rbac.authorization.k8s.io/elector',
      'service/elector',
      'service/elector-peers',
      'serviceaccount/elector',
    ],
  },
];
