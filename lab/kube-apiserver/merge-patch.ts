// JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces.
import { cloneJson, isJsonObject, type JsonObject, type JsonValue, deleteKey } from './json.js';

/** The result of merging `patch` into `target`; neither argument is modified. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) deleteKey(result, key);
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
