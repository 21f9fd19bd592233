/** JSON values as they travel over the wire; anything parsed from a request is one of these. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `key`, or undefined when it is missing or not an object. */
export function objectAt(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  return isJsonObject(value) ? value : undefined;
}

/** The string at `key`, or undefined when it is missing or not a string. */
export function stringAt(parent: JsonObject | undefined, key: string): string | undefined {
  const value = parent?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A deep copy, so stored objects never share structure with what callers hold. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of two JSON values; key order does not matter. */
export function jsonEqual(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  if (left === right) return true;
  if (left === undefined || right === undefined || left === null || right === null) return false;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEqual(item, right[index]));
  }
  if (isJsonObject(left) && isJsonObject(right)) {
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every((key) => key in right && jsonEqual(left[key], right[key]));
  }
  return false;
}

/** The metadata object of a Kubernetes object, created empty when absent. */
export function metadataOf(object: JsonObject): JsonObject {
  const existing = objectAt(object, 'metadata');
  if (existing !== undefined) return existing;
  const created: JsonObject = {};
  object.metadata = created;
  return created;
}

/** The labels of an object as a plain string map (non-string values are skipped). */
export function labelsOf(object: JsonObject): Record<string, string> {
  const labels = objectAt(metadataOf(object), 'labels') ?? {};
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value === 'string') result[key] = value;
  }
  return result;
}

/** Removes `key` from `object` (the dynamic-key form of `delete`). */
export function deleteKey(object: JsonObject, key: string): void {
  Reflect.deleteProperty(object, key);
}

/** A copy of `object` without `keys`. */
export function omitKeys(object: JsonObject, keys: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (!keys.includes(key)) result[key] = value;
  return result;
}

/** A value as text for messages: strings as they are, anything else as JSON. */
export function describeJson(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  return value === undefined ? '' : JSON.stringify(value);
}
