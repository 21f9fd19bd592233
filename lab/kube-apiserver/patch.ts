// PATCH: the four patch types the real apiserver takes, each applied to the current object, then
// written through the registry's update (so validation and status rules are the same as PUT).
// A patch that sets metadata.resourceVersion is a precondition: a stale one is 409 Conflict.
import { isJsonObject, metadataOf, stringAt, type JsonValue } from './json.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import type { FieldValidation, Registry, WriteResult } from './registry.js';
import type { ResourceType } from './resources.js';
import {
  badRequest,
  conflict,
  invalid,
  modifiedReason,
  notFound,
  unsupportedMediaType,
} from './status.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { requiredValue } from './validation.js';

const jsonPatchType = 'application/json-patch+json';
const mergePatchType = 'application/merge-patch+json';
const strategicMergePatchType = 'application/strategic-merge-patch+json';
const applyPatchType = 'application/apply-patch+yaml';

/** The patch content types a resource accepts; custom resources take no strategic merge patch. */
function patchTypesFor(type: ResourceType): readonly string[] {
  return type.isCustom
    ? [jsonPatchType, mergePatchType, applyPatchType]
    : [jsonPatchType, mergePatchType, strategicMergePatchType, applyPatchType];
}

/** One PATCH request, already authenticated and routed. */
export interface PatchRequest {
  readonly type: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
  readonly contentType: string;
  readonly body: string;
  readonly query: URLSearchParams;
  readonly validation: FieldValidation;
}

function parsePatch(body: string, contentType: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (contentType === applyPatchType) {
      throw badRequest(
        `error decoding YAML: this test apiserver reads apply patches only in their JSON form: ${detail}`,
      );
    }
    throw badRequest(`error decoding patch: ${detail}`);
  }
}

/** Server-side apply, simplified: create when absent, otherwise a strategic merge (no field ownership). */
function apply(registry: Registry, request: PatchRequest, patch: JsonValue): WriteResult {
  if ((request.query.get('fieldManager') ?? '') === '') {
    throw invalid('meta.k8s.io', 'PatchOptions', '', [
      requiredValue('fieldManager', 'is required for apply patch'),
    ]);
  }
  if (!isJsonObject(patch)) throw badRequest('error decoding YAML: apply patch must be an object');
  const isDryRun = request.query.get('dryRun') === 'All';
  try {
    const current = registry.get(request.type, request.namespace, request.name);
    return registry.update(
      request.type,
      request.namespace,
      request.name,
      applyStrategicMergePatch(current, patch),
      request.subresource,
      request.validation,
      isDryRun,
    );
  } catch (error) {
    const isMissing = error instanceof Error && 'code' in error && error.code === 404;
    if (!isMissing || request.subresource !== '') throw error;
    return registry.create(request.type, request.namespace, patch, request.validation, isDryRun);
  }
}

/** Applies the patch and writes the result; throws ApiError (404, 409, 415, 422, 400). */
export function patchObject(registry: Registry, request: PatchRequest): WriteResult {
  const { type } = request;
  if (!patchTypesFor(type).includes(request.contentType)) {
    throw unsupportedMediaType(patchTypesFor(type));
  }
  const patch = parsePatch(request.body, request.contentType);
  if (request.contentType === applyPatchType) return apply(registry, request, patch);
  const current = registry.get(type, request.namespace, request.name);
  let patched: JsonValue;
  switch (request.contentType) {
    case jsonPatchType:
      patched = applyJsonPatch(current, patch);
      break;
    case mergePatchType:
      if (!isJsonObject(patch))
        throw badRequest(
          'json: cannot unmarshal array into Go value of type map[string]interface {}',
        );
      patched = applyMergePatch(current, patch);
      break;
    default:
      patched = applyStrategicMergePatch(current, patch);
  }
  if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
  const expectedVersion = stringAt(metadataOf(patched), 'resourceVersion') ?? '';
  if (expectedVersion !== '' && expectedVersion !== metadataOf(current).resourceVersion) {
    throw conflict({ group: type.group, resource: type.plural }, request.name, modifiedReason);
  }
  if (stringAt(metadataOf(patched), 'name') === undefined)
    throw notFound({ group: type.group, resource: type.plural }, request.name);
  return registry.update(
    type,
    request.namespace,
    request.name,
    patched,
    request.subresource,
    request.validation,
    request.query.get('dryRun') === 'All',
  );
}
