// Strategic merge patch, as k8s.io/apimachinery/pkg/util/strategicpatch applies it to the built-in
// types: maps merge, lists of objects with a patch merge key merge item by item (pod conditions
// by `type`, containers by `name`, ...), other lists are replaced, and the `$patch`,
// `$retainKeys`, `$setElementOrder/` and `$deleteFromPrimitiveList/` directives are honoured.
// Merge keys come from a table of the built-in types' Go struct tags, not from OpenAPI.
import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
  deleteKey,
} from './json.js';
import { badRequest } from './status.js';

const mergeKeysByField: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  podIPs: 'ip',
  hostIPs: 'ip',
  secrets: 'name',
};

/** Primitive lists whose patch strategy is "merge" (union) rather than replace. */
const mergedPrimitiveLists = new Set(['finalizers']);

/**
 * The patch merge key for the list at `path` (field names from the root, no indices), or
 * undefined when the list is replaced wholesale.
 */
function mergeKeyFor(path: readonly string[]): string | undefined {
  const field = path.at(-1);
  if (field === undefined) return undefined;
  if (field === 'ports') {
    const parent = path.at(-2);
    if (
      parent === 'containers' ||
      parent === 'initContainers' ||
      parent === 'ephemeralContainers'
    ) {
      return 'containerPort';
    }
    return path.length === 2 && path[0] === 'spec' ? 'port' : undefined;
  }
  if (field === 'secrets' && path.length !== 1) return undefined;
  return mergeKeysByField[field];
}

function directiveOf(patch: JsonObject): string | undefined {
  const directive = patch.$patch;
  if (directive === undefined) return undefined;
  if (directive !== 'replace' && directive !== 'merge' && directive !== 'delete') {
    throw badRequest(`Unknown patch type: ${JSON.stringify(directive)}`);
  }
  return directive;
}

function withoutDirectives(patch: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$')) result[key] = value;
  }
  return result;
}

function orderedBy(
  items: JsonValue[],
  order: JsonValue | undefined,
  mergeKey?: string,
): JsonValue[] {
  if (!Array.isArray(order)) return items;
  const identity = (item: JsonValue): JsonValue =>
    mergeKey !== undefined && isJsonObject(item) ? (item[mergeKey] ?? null) : item;
  const rank = (item: JsonValue): number => {
    const index = order.findIndex((entry) => jsonEqual(identity(entry), identity(item)));
    return index < 0 ? order.length : index;
  };
  return [...items].sort((left, right) => rank(left) - rank(right));
}

function mergeList(
  original: JsonValue | undefined,
  patch: JsonValue[],
  path: readonly string[],
): JsonValue[] {
  const key = mergeKeyFor(path);
  const current = Array.isArray(original) ? cloneJson(original) : [];
  if (key === undefined) {
    if (mergedPrimitiveLists.has(path.at(-1) ?? '')) {
      const union = [...current];
      for (const item of patch)
        if (!union.some((existing) => jsonEqual(existing, item))) union.push(item);
      return union;
    }
    return patch
      .filter((item) => !(isJsonObject(item) && item.$patch !== undefined))
      .map((item) => cloneJson(item));
  }
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) {
    return patch
      .filter((item) => !(isJsonObject(item) && item.$patch === 'replace'))
      .map((item) => cloneJson(item));
  }
  let result = current;
  for (const item of patch) {
    if (!isJsonObject(item))
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const identity = item[key];
    if (identity === undefined) {
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    }
    const index = result.findIndex(
      (existing) => isJsonObject(existing) && jsonEqual(existing[key], identity),
    );
    if (item.$patch === 'delete') {
      result = result.filter((_, position) => position !== index);
      continue;
    }
    if (index < 0) result.push(mergeObject({}, item, path));
    else result[index] = mergeObject(result[index], item, path);
  }
  return result;
}

function mergeObject(
  original: JsonValue | undefined,
  patch: JsonObject,
  path: readonly string[],
): JsonObject {
  const directive = directiveOf(patch);
  if (directive === 'replace') return cloneJson(withoutDirectives(patch));
  let result: JsonObject = isJsonObject(original) ? cloneJson(original) : {};
  const retainKeys = patch.$retainKeys;
  if (Array.isArray(retainKeys)) {
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(result))
      if (retainKeys.includes(key)) kept[key] = value;
    result = kept;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const existing = result[field];
      if (Array.isArray(existing) && Array.isArray(value)) {
        result[field] = existing.filter(
          (item) => !value.some((removed) => jsonEqual(removed, item)),
        );
      }
      continue;
    }
    if (key.startsWith('$')) continue;
    const childPath = [...path, key];
    if (value === null) {
      deleteKey(result, key);
    } else if (isJsonObject(value)) {
      if (directiveOf(value) === 'delete') deleteKey(result, key);
      else result[key] = mergeObject(result[key], value, childPath);
    } else if (Array.isArray(value)) {
      const merged = mergeList(result[key], value, childPath);
      const order = patch[`$setElementOrder/${key}`];
      result[key] = orderedBy(merged, order, mergeKeyFor(childPath));
    } else {
      result[key] = cloneJson(value);
    }
  }
  return result;
}

/** Applies a strategic merge patch to a copy of `document` (a whole Kubernetes object). */
export function applyStrategicMergePatch(document: JsonObject, patch: JsonValue): JsonObject {
  if (!isJsonObject(patch)) {
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  }
  if (directiveOf(patch) === 'delete') return {};
  return mergeObject(document, patch, []);
}
