// The resource types this test apiserver serves, as the real one (plus the Prometheus operator's
// CRDs) would list them in discovery.

/** How metadata.name is validated (the real registry strategies differ by resource). */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

/** One served resource: where it lives in the API, how it is named and what it allows. */
export interface ResourceType {
  /** '' for the core (legacy) group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, as in URLs and RBAC rules. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Whether status is written only through the /status subresource. */
  readonly hasStatusSubresource: boolean;
  /** True for custom resources: they take no strategic merge patch. */
  readonly isCustom: boolean;
  /** Types served by more than one API (core and events.k8s.io events) share one storage. */
  readonly storage: string;
  readonly nameRule: NameRule;
  /** True when DELETE answers with the deleted object instead of a Status (pods). */
  readonly returnsDeletedObject: boolean;
}

const allVerbs = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;

/** The verbs every served resource supports (namespaces: no deletecollection). */
export function verbsOf(resource: ResourceType): readonly string[] {
  return resource.plural === 'namespaces' && resource.group === ''
    ? allVerbs.filter((verb) => verb !== 'deletecollection')
    : allVerbs;
}

function define(
  groupVersion: string,
  plural: string,
  kind: string,
  extra: Partial<Omit<ResourceType, 'group' | 'version' | 'plural' | 'kind'>> = {},
): ResourceType {
  const slash = groupVersion.indexOf('/');
  const group = slash < 0 ? '' : groupVersion.slice(0, slash);
  const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
  return {
    group,
    version,
    plural,
    kind,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatusSubresource: false,
    isCustom: false,
    storage: group === '' ? plural : `${plural}.${group}`,
    nameRule: 'dns1123-subdomain',
    returnsDeletedObject: false,
    ...extra,
  };
}

export const resourceTypes: readonly ResourceType[] = [
  define('v1', 'pods', 'Pod', {
    shortNames: ['po'],
    categories: ['all'],
    hasStatusSubresource: true,
    returnsDeletedObject: true,
  }),
  define('v1', 'services', 'Service', {
    shortNames: ['svc'],
    categories: ['all'],
    hasStatusSubresource: true,
    nameRule: 'dns1035-label',
  }),
  define('v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  define('v1', 'secrets', 'Secret'),
  define('v1', 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  define('v1', 'events', 'Event', { shortNames: ['ev'] }),
  define('v1', 'namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    hasStatusSubresource: true,
    nameRule: 'dns1123-label',
  }),
  define('coordination.k8s.io/v1', 'leases', 'Lease'),
  define('events.k8s.io/v1', 'events', 'Event', { shortNames: ['ev'], storage: 'events' }),
  define('apps/v1', 'statefulsets', 'StatefulSet', {
    shortNames: ['sts'],
    categories: ['all'],
    hasStatusSubresource: true,
  }),
  define('apps/v1', 'deployments', 'Deployment', {
    shortNames: ['deploy'],
    categories: ['all'],
    hasStatusSubresource: true,
  }),
  define('rbac.authorization.k8s.io/v1', 'roles', 'Role', { nameRule: 'path-segment' }),
  define('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', {
    nameRule: 'path-segment',
  }),
  define('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', {
    shortNames: ['pdb'],
    hasStatusSubresource: true,
  }),
  define('monitoring.coreos.com/v1', 'servicemonitors', 'ServiceMonitor', {
    shortNames: ['smon'],
    categories: ['prometheus-operator'],
    isCustom: true,
  }),
  define('monitoring.coreos.com/v1', 'prometheusrules', 'PrometheusRule', {
    shortNames: ['promrule'],
    categories: ['prometheus-operator'],
    isCustom: true,
  }),
];

/** "v1" for the core group, "apps/v1" otherwise. */
export function apiVersionOf(resource: Pick<ResourceType, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The served type at group/version/plural, or undefined when none is served there. */
export function findResourceType(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return resourceTypes.find(
    (type) => type.group === group && type.version === version && type.plural === plural,
  );
}

/** The served groups in discovery order (core first), each with its versions. */
export function servedGroups(): readonly { group: string; versions: readonly string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const type of resourceTypes) {
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return [...groups].map(([group, versions]) => ({ group, versions: [...versions] }));
}
