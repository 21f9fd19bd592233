// A skeleton OpenAPI v3 document per group version: operations and parameters only, no schemas.
// kubectl reads it to learn that the server validates fields itself (the PATCH operation takes
// `fieldValidation`), so it skips client-side schema validation. The PATCH request bodies leave
// out strategic merge patch on purpose, so `kubectl apply` builds its patches from its compiled-in
// types (built-in kinds) or as JSON merge patches (custom resources), as it needs no schemas.
import { createHash } from 'node:crypto';
import type { JsonObject } from './json.js';
import { resourceTypes, servedGroups, type ResourceType } from './resources.js';

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function queryParameter(name: string): JsonObject {
  return { name, in: 'query', schema: { type: 'string', uniqueItems: true } };
}

function operation(
  type: ResourceType,
  action: string,
  writes: boolean,
  patchTypes?: readonly string[],
): JsonObject {
  return {
    operationId: `${action}${type.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': {
      group: type.group,
      version: type.version,
      kind: type.kind,
    },
    parameters: writes
      ? [
          'dryRun',
          'fieldManager',
          'fieldValidation',
          ...(patchTypes === undefined ? [] : ['force']),
        ].map(queryParameter)
      : [],
    ...(patchTypes === undefined
      ? {}
      : {
          requestBody: {
            content: Object.fromEntries(
              patchTypes.map((contentType) => [contentType, { schema: { type: 'object' } }]),
            ),
            required: true,
          },
        }),
    responses: { '200': { description: 'OK' } },
  };
}

function pathsFor(type: ResourceType): JsonObject {
  const prefix = `/${groupVersionPath(type.group, type.version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
  const patchTypes = type.isCustom
    ? [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]
    : [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ];
  const paths: JsonObject = {
    [prefix]: {
      get: operation(type, 'list', false),
      post: operation(type, 'post', true),
      delete: operation(type, 'deletecollection', false),
    },
    [`${prefix}/{name}`]: {
      get: operation(type, 'get', false),
      put: operation(type, 'put', true),
      patch: operation(type, 'patch', true, patchTypes),
      delete: operation(type, 'delete', false),
    },
  };
  if (type.hasStatusSubresource) {
    paths[`${prefix}/{name}/status`] = {
      get: operation(type, 'get', false),
      put: operation(type, 'put', true),
      patch: operation(type, 'patch', true, patchTypes),
    };
  }
  return paths;
}

function groupVersionDocument(group: string, version: string): JsonObject {
  const types = resourceTypes.filter((type) => type.group === group && type.version === version);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.assign({}, ...types.map(pathsFor)) as JsonObject,
    components: { schemas: {} },
  };
}

function hashOf(document: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify(document))
    .digest('hex')
    .slice(0, 32)
    .toUpperCase();
}

/** The document at an /openapi/v3 path, or undefined when there is none. */
export function openApiDocument(path: string): JsonObject | undefined {
  const entries = servedGroups().flatMap((entry) =>
    entry.versions.map((version) => ({ group: entry.group, version })),
  );
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths: JsonObject = {};
    for (const { group, version } of entries) {
      const name = groupVersionPath(group, version);
      paths[name] = {
        serverRelativeURL: `/openapi/v3/${name}?hash=${hashOf(groupVersionDocument(group, version))}`,
      };
    }
    return { paths };
  }
  for (const { group, version } of entries) {
    if (path === `/openapi/v3/${groupVersionPath(group, version)}`)
      return groupVersionDocument(group, version);
  }
  return undefined;
}
