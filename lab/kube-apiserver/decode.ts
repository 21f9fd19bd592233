// Decoding a request body into a typed object: unknown fields are dropped (and reported, for
// fieldValidation), and typed fields that the real Go structs would not unmarshal are a 400
// BadRequest "... cannot be handled as a Lease: ..." exactly as the real decoder fails.
import { isJsonObject, objectAt, type JsonObject, type JsonValue, deleteKey } from './json.js';
import type { ResourceType } from './resources.js';
import { badRequest } from './status.js';

const metadataFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const coreEventFields = [
  'involvedObject',
  'reason',
  'message',
  'source',
  'firstTimestamp',
  'lastTimestamp',
  'count',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingComponent',
  'reportingInstance',
];

const topLevelFieldsByKind: Readonly<Record<string, readonly string[]>> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Role: ['rules'],
  RoleBinding: ['subjects', 'roleRef'],
  Lease: ['spec'],
};

const leaseSpecFields = new Set([
  'holderIdentity',
  'leaseDurationSeconds',
  'acquireTime',
  'renewTime',
  'leaseTransitions',
  'strategy',
  'preferredHolder',
]);

function knownTopLevelFields(type: ResourceType): readonly string[] {
  if (type.kind === 'Event') {
    return type.group === 'events.k8s.io'
      ? [
          'eventTime',
          'series',
          'reportingController',
          'reportingInstance',
          'action',
          'reason',
          'regarding',
          'related',
          'note',
          'type',
          'deprecatedSource',
          'deprecatedFirstTimestamp',
          'deprecatedLastTimestamp',
          'deprecatedCount',
        ]
      : coreEventFields;
  }
  return topLevelFieldsByKind[type.kind] ?? ['spec', 'status'];
}

/** Removes fields the type does not have and returns their paths ("spek", "metadata.foo"). */
export function dropUnknownFields(type: ResourceType, object: JsonObject): string[] {
  const unknown: string[] = [];
  const known = new Set(['apiVersion', 'kind', 'metadata', ...knownTopLevelFields(type)]);
  for (const key of Object.keys(object)) {
    if (!known.has(key)) {
      unknown.push(key);
      deleteKey(object, key);
    }
  }
  const metadata = objectAt(object, 'metadata');
  for (const key of Object.keys(metadata ?? {})) {
    if (metadata !== undefined && !metadataFields.has(key)) {
      unknown.push(`metadata.${key}`);
      deleteKey(metadata, key);
    }
  }
  const spec = objectAt(object, 'spec');
  if (type.kind === 'Lease' && spec !== undefined) {
    for (const key of Object.keys(spec)) {
      if (!leaseSpecFields.has(key)) {
        unknown.push(`spec.${key}`);
        deleteKey(spec, key);
      }
    }
  }
  return unknown;
}

/** The 400 the real decoder gives when a body does not fit the Go type. */
function cannotBeHandled(type: ResourceType, detail: string): Error {
  return badRequest(
    `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${detail}`,
  );
}

function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

const microTimePattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a MicroTime as metav1.MicroTime.UnmarshalJSON does (layout RFC3339Micro: exactly six
 * fractional digits) and returns it re-encoded in UTC, as the apiserver stores it.
 */
function normalizeMicroTime(value: string): string | undefined {
  const match = microTimePattern.exec(value);
  if (match === null) return undefined;
  const [, seconds = '', fraction = '', zone = ''] = match;
  const milliseconds = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(milliseconds)) return undefined;
  return `${new Date(milliseconds).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Go's time.Parse error for a value that does not fit RFC3339Micro (approximated). */
function microTimeError(value: string): string {
  const layout = '"2006-01-02T15:04:05.000000Z07:00"';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) {
    return `parsing time "${value}" as ${layout}: cannot parse "${value}" as "2006"`;
  }
  const rest = value.slice(19);
  const detail = /^\.\d{6}/.test(rest)
    ? `cannot parse "${rest.slice(7)}" as "Z07:00"`
    : `cannot parse "${rest}" as ".000000"`;
  return `parsing time "${value}" as ${layout}: ${detail}`;
}

function checkInt32(type: ResourceType, spec: JsonObject, field: string): void {
  const value = spec[field];
  if (value === undefined || value === null) return;
  const goField = `LeaseSpec.spec.${field}`;
  if (typeof value !== 'number') {
    throw cannotBeHandled(
      type,
      `json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${goField} of type int32`,
    );
  }
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw cannotBeHandled(
      type,
      `json: cannot unmarshal number ${value} into Go struct field ${goField} of type int32`,
    );
  }
}

/** Checks and normalizes a Lease's typed spec fields; throws 400 where Go decoding fails. */
export function decodeLeaseSpec(type: ResourceType, object: JsonObject): void {
  const spec = object.spec;
  if (spec === undefined || spec === null) return;
  if (!isJsonObject(spec)) {
    throw cannotBeHandled(
      type,
      `json: cannot unmarshal ${jsonTypeName(spec)} into Go struct field Lease.spec of type v1.LeaseSpec`,
    );
  }
  for (const field of ['holderIdentity', 'strategy', 'preferredHolder']) {
    const value = spec[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw cannotBeHandled(
        type,
        `json: cannot unmarshal ${jsonTypeName(value)} into Go struct field LeaseSpec.spec.${field} of type string`,
      );
    }
  }
  checkInt32(type, spec, 'leaseDurationSeconds');
  checkInt32(type, spec, 'leaseTransitions');
  for (const field of ['acquireTime', 'renewTime']) {
    const value = spec[field];
    if (value === undefined) continue;
    if (value === null) {
      deleteKey(spec, field);
      continue;
    }
    if (typeof value !== 'string') {
      throw cannotBeHandled(
        type,
        `json: cannot unmarshal ${jsonTypeName(value)} into Go value of type string`,
      );
    }
    const normalized = normalizeMicroTime(value);
    if (normalized === undefined) throw cannotBeHandled(type, microTimeError(value));
    spec[field] = normalized;
  }
  for (const [key, value] of Object.entries(spec)) if (value === null) deleteKey(spec, key);
}
