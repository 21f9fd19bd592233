// JSON patch (RFC 6902) with JSON pointers (RFC 6901). A malformed patch is 400 BadRequest; an
// operation that does not apply (missing path, failed `test`) is the apiserver's generic 422.
import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  type JsonValue,
  deleteKey,
  describeJson,
} from './json.js';
import { badRequest, patchFailed } from './status.js';

interface Operation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly from?: string;
  readonly value?: JsonValue;
}

const operations = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function decode(patch: JsonValue): Operation[] {
  if (!Array.isArray(patch)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  return patch.map((item) => {
    if (!isJsonObject(item) || typeof item.op !== 'string' || !operations.has(item.op)) {
      throw badRequest(
        `Unexpected kind: ${isJsonObject(item) ? describeJson(item.op) : 'unknown'}`,
      );
    }
    if (typeof item.path !== 'string') throw badRequest(`operation missing path: ${item.op}`);
    const op = item.op as Operation['op'];
    if ((op === 'move' || op === 'copy') && typeof item.from !== 'string') {
      throw badRequest(`operation missing from: ${op}`);
    }
    if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in item)) {
      throw badRequest(`operation missing value: ${op}`);
    }
    return {
      op,
      path: item.path,
      ...(typeof item.from === 'string' ? { from: item.from } : {}),
      ...('value' in item ? { value: item.value } : {}),
    };
  });
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchFailed();
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The container holding the pointer's last token, and that token. */
function parentOf(document: JsonValue, pointer: string): { parent: JsonValue; key: string } {
  const path = tokens(pointer);
  const key = path.pop();
  if (key === undefined) throw patchFailed();
  let current: JsonValue = document;
  for (const token of path) {
    const next: JsonValue | undefined = Array.isArray(current)
      ? current[Number(token)]
      : isJsonObject(current)
        ? current[token]
        : undefined;
    if (next === undefined) throw patchFailed();
    current = next;
  }
  return { parent: current, key };
}

function arrayIndex(array: readonly JsonValue[], key: string, allowEnd: boolean): number {
  if (key === '-' && allowEnd) return array.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw patchFailed();
  const index = Number(key);
  if (index > array.length || (!allowEnd && index === array.length)) throw patchFailed();
  return index;
}

function read(document: JsonValue, pointer: string): JsonValue {
  if (pointer === '') return document;
  const { parent, key } = parentOf(document, pointer);
  const value = Array.isArray(parent)
    ? parent[arrayIndex(parent, key, false)]
    : isJsonObject(parent)
      ? parent[key]
      : undefined;
  if (value === undefined) throw patchFailed();
  return value;
}

function remove(document: JsonValue, pointer: string): JsonValue {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false), 1)[0] ?? null;
  if (!isJsonObject(parent) || !(key in parent)) throw patchFailed();
  const value = parent[key] ?? null;
  deleteKey(parent, key);
  return value;
}

function add(document: JsonValue, pointer: string, value: JsonValue): JsonValue {
  if (pointer === '') return value;
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isJsonObject(parent)) parent[key] = value;
  else throw patchFailed();
  return document;
}

/** Applies the operations in order to a copy of `document`; all or nothing. */
export function applyJsonPatch(document: JsonValue, patch: JsonValue): JsonValue {
  let result = cloneJson(document);
  for (const operation of decode(patch)) {
    const value = operation.value ?? null;
    switch (operation.op) {
      case 'add':
        result = add(result, operation.path, cloneJson(value));
        break;
      case 'remove':
        remove(result, operation.path);
        break;
      case 'replace':
        read(result, operation.path);
        if (operation.path === '') result = cloneJson(value);
        else {
          remove(result, operation.path);
          result = add(result, operation.path, cloneJson(value));
        }
        break;
      case 'move': {
        const moved = remove(result, operation.from ?? '');
        result = add(result, operation.path, moved);
        break;
      }
      case 'copy':
        result = add(result, operation.path, cloneJson(read(result, operation.from ?? '')));
        break;
      case 'test':
        if (!jsonEqual(read(result, operation.path), value)) throw patchFailed();
        break;
    }
  }
  return result;
}
