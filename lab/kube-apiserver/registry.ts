// The generic registry (k8s.io/apiserver/pkg/registry/generic/registry.Store, in small): create,
// update, delete and read with the real preconditions, metadata rules and validation.
import { randomInt, randomUUID } from 'node:crypto';
import { toServed, toStored } from './conversion.js';
import { decodeLeaseSpec, dropUnknownFields } from './decode.js';
import {
  cloneJson,
  jsonEqual,
  metadataOf,
  objectAt,
  stringAt,
  type JsonObject,
  deleteKey,
  omitKeys,
  describeJson,
} from './json.js';
import type { ResourceType } from './resources.js';
import { findResourceType, resourceTypes } from './resources.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  internalError,
  invalid,
  modifiedReason,
  notFound,
  success,
  type FieldCause,
} from './status.js';
import type { ObjectStore } from './store.js';
import {
  applyCreateDefaults,
  foldStringData,
  podUpdateErrors,
  typeErrors,
  type ClusterIpAllocator,
} from './type-rules.js';
import { metadataErrors, nameErrors, invalidValue, requiredValue } from './validation.js';

/** How the server treats unknown fields (the fieldValidation query parameter). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** A written object (served form) and the warnings to send in Warning headers. */
export interface WriteResult {
  readonly object: JsonObject;
  readonly warnings: readonly string[];
  /** True when the write changed nothing (no new resourceVersion), as an unchanged update. */
  readonly isNoop?: boolean;
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const namespaces = findResourceType('', 'v1', 'namespaces');

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function groupResource(type: ResourceType): { group: string; resource: string } {
  return { group: type.group, resource: type.plural };
}

/** Everything but metadata and status: what a change to bumps metadata.generation. */
function specPart(object: JsonObject): JsonObject {
  return omitKeys(object, ['metadata', 'status']);
}

export class Registry {
  constructor(
    private readonly store: ObjectStore,
    private readonly allocator: ClusterIpAllocator,
  ) {}

  /** The served object; throws 404 NotFound when there is none. */
  get(type: ResourceType, namespace: string, name: string): JsonObject {
    const stored = this.store.get(type.storage, namespace, name);
    if (stored === undefined) throw notFound(groupResource(type), name);
    return toServed(type, stored);
  }

  /** Decodes a request body: type checks, unknown fields (per fieldValidation), typed fields. */
  decode(
    type: ResourceType,
    body: JsonObject,
    validation: FieldValidation,
  ): { object: JsonObject; warnings: string[] } {
    const object = cloneJson(body);
    const expected = type.group === '' ? type.version : `${type.group}/${type.version}`;
    if (typeof object.apiVersion === 'string' && object.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`,
      );
    }
    if (typeof object.kind === 'string' && object.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`,
      );
    }
    const unknown = dropUnknownFields(type, object);
    const messages = unknown.map((field) => `unknown field "${field}"`);
    if (validation === 'Strict' && messages.length > 0) {
      throw badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${messages.join(', ')}`,
      );
    }
    if (type.kind === 'Lease') decodeLeaseSpec(type, object);
    return { object, warnings: validation === 'Warn' ? messages : [] };
  }

  private validate(type: ResourceType, served: JsonObject, previous: JsonObject | undefined): void {
    const metadata = metadataOf(served);
    const name = stringAt(metadata, 'name') ?? '';
    const causes: FieldCause[] = [];
    if (previous === undefined) {
      for (const error of nameErrors(type.nameRule, name))
        causes.push(invalidValue('metadata.name', name, error));
    }
    causes.push(...metadataErrors(metadata), ...typeErrors(type, served, previous));
    if (previous !== undefined && type.kind === 'Pod')
      causes.push(...podUpdateErrors(served, previous));
    if (causes.length > 0) throw invalid(type.group, type.kind, name, causes);
  }

  /** POST: 409 AlreadyExists, 404 for a missing namespace, 422 Invalid, 400 for a bad body. */
  create(
    type: ResourceType,
    namespace: string,
    body: JsonObject,
    validation: FieldValidation,
    isDryRun = false,
  ): WriteResult {
    const { object, warnings } = this.decode(type, body, validation);
    const metadata = metadataOf(object);
    const bodyNamespace = stringAt(metadata, 'namespace');
    if (type.namespaced) {
      if (bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      metadata.namespace = namespace;
    } else {
      delete metadata.namespace;
    }
    let name = stringAt(metadata, 'name') ?? '';
    const generateName = stringAt(metadata, 'generateName') ?? '';
    if (name === '' && generateName !== '') {
      name =
        generateName +
        Array.from({ length: 5 }, () =>
          generateNameAlphabet.charAt(randomInt(generateNameAlphabet.length)),
        ).join('');
      metadata.name = name;
    }
    if (name === '') {
      throw invalid(type.group, type.kind, '', [
        requiredValue('metadata.name', 'name or generateName is required'),
      ]);
    }
    if (stringAt(metadata, 'resourceVersion') !== undefined && metadata.resourceVersion !== '') {
      throw internalError('resourceVersion should not be set on objects to be created');
    }
    if (
      type.namespaced &&
      namespaces !== undefined &&
      this.store.get(namespaces.storage, '', namespace) === undefined
    ) {
      throw notFound(groupResource(namespaces), namespace);
    }
    for (const field of [
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
      'managedFields',
    ])
      deleteKey(metadata, field);
    metadata.uid = randomUUID();
    metadata.creationTimestamp = now();
    metadata.generation = 1;
    foldStringData(object);
    const stored = toStored(type, object);
    applyCreateDefaults(type, stored, this.allocator);
    this.validate(type, toServed(type, stored), undefined);
    if (this.store.get(type.storage, type.namespaced ? namespace : '', name) !== undefined) {
      throw alreadyExists(groupResource(type), name);
    }
    if (isDryRun) return { object: toServed(type, stored), warnings };
    return { object: toServed(type, this.store.put(type.storage, stored)), warnings };
  }

  /**
   * PUT (or the second half of PATCH): 404 if missing, 409 Conflict when the body's
   * resourceVersion is set and stale. Through the status subresource only status changes;
   * otherwise status is kept for types that have the subresource.
   */
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: JsonObject,
    subresource: string,
    validation: FieldValidation,
    isDryRun = false,
  ): WriteResult {
    const existing = this.store.get(type.storage, namespace, name);
    if (existing === undefined) throw notFound(groupResource(type), name);
    const { object, warnings } = this.decode(type, body, validation);
    const metadata = metadataOf(object);
    const bodyName = stringAt(metadata, 'name') ?? '';
    if (bodyName !== name) {
      throw badRequest(
        `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
      );
    }
    const bodyNamespace = stringAt(metadata, 'namespace');
    if (
      type.namespaced &&
      bodyNamespace !== undefined &&
      bodyNamespace !== '' &&
      bodyNamespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const existingMetadata = metadataOf(existing);
    const resourceVersion = stringAt(metadata, 'resourceVersion') ?? '';
    if (resourceVersion !== '' && resourceVersion !== existingMetadata.resourceVersion) {
      throw conflict(groupResource(type), name, modifiedReason);
    }
    foldStringData(object);
    let next = toStored(type, object);
    if (subresource === 'status') {
      next = { ...cloneJson(existing), status: next.status ?? {} };
    } else {
      const nextMetadata = metadataOf(next);
      for (const field of [
        'uid',
        'creationTimestamp',
        'namespace',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generateName',
      ]) {
        const value = existingMetadata[field];
        if (value === undefined) deleteKey(nextMetadata, field);
        else nextMetadata[field] = value;
      }
      nextMetadata.name = name;
      if (type.hasStatusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = existing.status;
      }
      const generation =
        typeof existingMetadata.generation === 'number' ? existingMetadata.generation : 1;
      nextMetadata.generation = jsonEqual(specPart(next), specPart(existing))
        ? generation
        : generation + 1;
    }
    metadataOf(next).resourceVersion = existingMetadata.resourceVersion ?? '';
    this.validate(type, toServed(type, next), toServed(type, existing));
    if (jsonEqual(next, existing))
      return { object: toServed(type, existing), warnings, isNoop: true };
    if (isDryRun) return { object: toServed(type, next), warnings };
    const finalizers = metadataOf(next).finalizers;
    if (
      existingMetadata.deletionTimestamp !== undefined &&
      (!Array.isArray(finalizers) || finalizers.length === 0)
    ) {
      this.store.put(type.storage, next);
      return {
        object: toServed(type, this.store.remove(type.storage, namespace, name) ?? next),
        warnings,
      };
    }
    return { object: toServed(type, this.store.put(type.storage, next)), warnings };
  }

  /**
   * DELETE: 404 if missing, 409 when a precondition (uid, resourceVersion) fails. An object
   * with finalizers only gets a deletionTimestamp. Pods answer with the deleted object, other
   * types with a Status Success, as their real registries do.
   */
  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    options: JsonObject,
    isDryRun = false,
  ): JsonObject {
    const existing = this.store.get(type.storage, namespace, name);
    if (existing === undefined) throw notFound(groupResource(type), name);
    const metadata = metadataOf(existing);
    const preconditions = objectAt(options, 'preconditions') ?? {};
    for (const [field, label] of [
      ['uid', 'UID'],
      ['resourceVersion', 'ResourceVersion'],
    ] as const) {
      const expected = preconditions[field];
      if (typeof expected === 'string' && expected !== metadata[field]) {
        throw conflict(
          groupResource(type),
          name,
          `Precondition failed: ${label} in precondition: ${expected}, ${label} in object meta: ${describeJson(metadata[field])}`,
        );
      }
    }
    if (isDryRun) return toServed(type, existing);
    const finalizers = metadata.finalizers;
    if (Array.isArray(finalizers) && finalizers.length > 0) {
      if (metadata.deletionTimestamp === undefined) {
        metadata.deletionTimestamp = now();
        metadata.deletionGracePeriodSeconds = 0;
        return toServed(type, this.store.put(type.storage, existing));
      }
      return toServed(type, existing);
    }
    if (type === namespaces) this.deleteNamespaceContents(name);
    const deleted = this.store.remove(type.storage, namespace, name) ?? existing;
    if (type.returnsDeletedObject) return toServed(type, deleted);
    return success(groupResource(type), name, stringAt(metadata, 'uid') ?? '');
  }

  /** Namespace deletion here is immediate: its contents go at once (no Terminating phase). */
  private deleteNamespaceContents(namespace: string): void {
    const storages = new Set(
      resourceTypes.filter((type) => type.namespaced).map((type) => type.storage),
    );
    for (const storage of storages) {
      for (const object of this.store.list(storage, namespace)) {
        this.store.remove(storage, namespace, stringAt(metadataOf(object), 'name') ?? '');
      }
    }
  }
}
