// Discovery documents (legacy, unaggregated form): /version, /api, /apis, /apis/<group> and the
// APIResourceList of each group version. kubectl asks for the aggregated form first and falls
// back to these when the answer's Content-Type is plain application/json.
import type { JsonObject } from './json.js';
import { apiVersionOf, resourceTypes, servedGroups, verbsOf } from './resources.js';

/** The Kubernetes version this server claims to be. */
const serverVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const;

function versionDocument(): JsonObject {
  return {
    ...serverVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T00:00:00Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function groupDocument(group: string, versions: readonly string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] ?? {} };
}

function resourceList(group: string, version: string): JsonObject | undefined {
  const types = resourceTypes.filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...verbsOf(type)],
      ...(type.shortNames.length > 0 ? { shortNames: [...type.shortNames] } : {}),
      ...(type.categories.length > 0 ? { categories: [...type.categories] } : {}),
    });
    if (type.hasStatusSubresource) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

/** The discovery document at `path`, or undefined when the path is not a discovery path. */
export function discoveryDocument(path: string, host: string): JsonObject | undefined {
  if (path === '/version') return versionDocument();
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
    };
  }
  if (path === '/api/v1') return resourceList('', 'v1');
  const groups = servedGroups().filter((entry) => entry.group !== '');
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((entry) => groupDocument(entry.group, entry.versions)),
    };
  }
  const match = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (match === null) return undefined;
  const [, group = '', version] = match;
  const served = groups.find((entry) => entry.group === group);
  if (served === undefined) return undefined;
  if (version === undefined)
    return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, served.versions) };
  return resourceList(group, version);
}
