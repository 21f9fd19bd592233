// Stored form <-> served form. Every type is stored as served, except events: core/v1 and
// events.k8s.io/v1 serve the same stored objects under different field names, as the real
// apiserver does (it converts both to one internal type).
import { cloneJson, omitKeys, type JsonObject } from './json.js';
import { apiVersionOf, type ResourceType } from './resources.js';

/** events.k8s.io/v1 field name -> core/v1 field name. */
const eventFieldRenames: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(object: JsonObject, pairs: readonly (readonly [string, string])[]): JsonObject {
  const result: JsonObject = {};
  const renames = new Map(pairs);
  for (const [key, value] of Object.entries(object)) result[renames.get(key) ?? key] = value;
  return result;
}

function isEventsGroup(type: ResourceType): boolean {
  return type.group === 'events.k8s.io';
}

/** The object as `type`'s API serves it (a copy, with apiVersion and kind set). */
export function toServed(type: ResourceType, stored: JsonObject): JsonObject {
  const copy = cloneJson(stored);
  const converted = isEventsGroup(type)
    ? rename(
        copy,
        eventFieldRenames.map(([served, core]) => [core, served] as const),
      )
    : copy;
  return { apiVersion: apiVersionOf(type), kind: type.kind, ...withoutTypeMeta(converted) };
}

/** The stored form of an object written through `type`'s API. */
export function toStored(type: ResourceType, served: JsonObject): JsonObject {
  const copy = withoutTypeMeta(cloneJson(served));
  const converted = isEventsGroup(type) ? rename(copy, eventFieldRenames) : copy;
  const storedType = isEventsGroup(type) ? { group: '', version: 'v1' } : type;
  return { apiVersion: apiVersionOf(storedType), kind: type.kind, ...converted };
}

function withoutTypeMeta(object: JsonObject): JsonObject {
  return omitKeys(object, ['apiVersion', 'kind']);
}
