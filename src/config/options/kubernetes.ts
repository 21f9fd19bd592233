import { z } from 'zod';
import type { ConfigRule } from '../schema.js';
import { option } from '../option.js';
import { durationMs, booleanText, path } from '../option-schemas.js';

/** A Secret's name: a DNS subdomain (RFC 1123), as the API validates it. */
const kubernetesName = z
  .string()
  .max(253, 'expected at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'expected an object name (lower-case letters, digits, "-" and ".")',
  );

export const kubernetesOptions = {
  kubeconfig: option(path, {
    flag: 'kubeconfig',
    env: 'ELECTOR_KUBECONFIG',
    group: 'kubernetes',
    computedDefault: 'in-cluster',
    description:
      'Kubernetes: kubeconfig file (outside a cluster); in a pod the service account is used.',
  }),
  namespace: option(
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a namespace name (DNS label)'),
    {
      flag: 'namespace',
      env: 'ELECTOR_NAMESPACE',
      group: 'kubernetes',
      description: "Kubernetes: this pod's namespace (downward API metadata.namespace).",
    },
  ),
  podName: option(z.string().min(1), {
    flag: 'pod-name',
    env: 'ELECTOR_POD_NAME',
    group: 'kubernetes',
    computedDefault: 'the --id',
    description: "Kubernetes: this pod's name (downward API metadata.name).",
  }),
  podLabels: option(z.enum(['auto', 'true', 'false']), {
    flag: 'pod-labels',
    env: 'ELECTOR_POD_LABELS',
    group: 'kubernetes',
    default: 'auto',
    isBoolean: true,
    description:
      'Kubernetes: keep the role label on this pod; auto = on inside a cluster or with --kubeconfig.',
  }),
  roleLabelKey: option(z.string().min(1), {
    flag: 'role-label-key',
    env: 'ELECTOR_ROLE_LABEL_KEY',
    group: 'kubernetes',
    default: 'elector.io/role',
    description: 'Kubernetes: label set to leader/follower on this pod.',
  }),
  electionLabelKey: option(z.string().min(1), {
    flag: 'election-label-key',
    env: 'ELECTOR_ELECTION_LABEL_KEY',
    group: 'kubernetes',
    default: 'elector.io/election',
    description:
      'Kubernetes: label whose value (the election name) selects the pods of this election for stale-label cleanup.',
  }),
  readinessConditionType: option(z.string().min(1), {
    flag: 'readiness-condition-type',
    env: 'ELECTOR_READINESS_CONDITION_TYPE',
    group: 'kubernetes',
    description:
      'Kubernetes: also keep this pod condition True only while leading (for a readinessGates entry).',
  }),
  podEvents: option(booleanText, {
    flag: 'pod-events',
    env: 'ELECTOR_POD_EVENTS',
    group: 'kubernetes',
    default: 'true',
    isBoolean: true,
    description: 'Kubernetes: record BecameLeader/SteppedDown Events on this pod (rate-limited).',
  }),
  leaseName: option(
    // RFC 1123 subdomain: at most 253 characters of dot-separated lowercase DNS labels.
    z
      .string()
      .max(253, 'expected a DNS subdomain name')
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        'expected a DNS subdomain name',
      ),
    {
      flag: 'lease-name',
      env: 'ELECTOR_LEASE_NAME',
      group: 'kubernetes',
      computedDefault: 'elector-<election>',
      description: 'Kubernetes Lease backend: name of the coordination.k8s.io Lease.',
    },
  ),
  leaseDurationMs: option(durationMs(1000, 3_600_000), {
    flag: 'lease-duration',
    env: 'ELECTOR_LEASE_DURATION',
    group: 'kubernetes',
    default: '15s',
    description:
      'Kubernetes Lease backend: how long others wait, on their own clock, before taking over an unrenewed Lease.',
  }),
  leaseRenewDeadlineMs: option(durationMs(100, 3_600_000), {
    flag: 'lease-renew-deadline',
    env: 'ELECTOR_LEASE_RENEW_DEADLINE',
    group: 'kubernetes',
    default: '10s',
    description:
      'Kubernetes Lease backend: the leader stops acting when it has not renewed for this long.',
  }),
  leaseRetryPeriodMs: option(durationMs(10, 600_000), {
    flag: 'lease-retry-period',
    env: 'ELECTOR_LEASE_RETRY_PERIOD',
    group: 'kubernetes',
    default: '2s',
    description: 'Kubernetes Lease backend: renew and retry interval.',
  }),
  clusterSecretName: option(kubernetesName, {
    flag: 'cluster-secret-name',
    env: 'ELECTOR_CLUSTER_SECRET_NAME',
    group: 'kubernetes',
    description:
      'Raft in Kubernetes: read the cluster secret from key cluster-secret of this Secret in --namespace; the first member to start creates it with a random value when it is absent, so every member ends up with the same one.',
  }),
  resignTokenSecretName: option(kubernetesName, {
    flag: 'resign-token-secret-name',
    env: 'ELECTOR_RESIGN_TOKEN_SECRET_NAME',
    group: 'kubernetes',
    description:
      'Kubernetes: read the resign token from key token of this Secret in --namespace (instead of --resign-token-file); created with a random value when absent.',
  }),
};

/** The namespace is required by the Lease backend and by pod labels that are forced on. */
export const kubernetesRules: ConfigRule = (config, nameOf) => {
  const problems: string[] = [];
  if (config.backend === 'kubernetes' && config.namespace === undefined) {
    problems.push(
      `${nameOf('namespace')}: required with --backend kubernetes (downward API metadata.namespace)`,
    );
  }
  for (const key of ['clusterSecretName', 'resignTokenSecretName'] as const) {
    if (config[key] !== undefined && config.namespace === undefined) {
      problems.push(
        `${nameOf('namespace')}: required with ${nameOf(key)} (downward API metadata.namespace)`,
      );
    }
  }
  if (
    config.clusterSecretName !== undefined &&
    (config.clusterSecret !== undefined || config.clusterSecretFile !== undefined)
  ) {
    problems.push(
      `${nameOf('clusterSecretName')} and ${nameOf(config.clusterSecret === undefined ? 'clusterSecretFile' : 'clusterSecret')}: both given; give only one`,
    );
  }
  if (config.resignTokenSecretName !== undefined && config.resignTokenFile !== undefined) {
    problems.push(
      `${nameOf('resignTokenSecretName')} and ${nameOf('resignTokenFile')}: both given; give only one`,
    );
  }
  if (config.podLabels === 'true' && config.namespace === undefined) {
    problems.push(
      `${nameOf('namespace')}: required when ${nameOf('podLabels')} is true (downward API metadata.namespace)`,
    );
  }
  return problems;
};
