// metav1.Status errors, shaped as k8s.io/apimachinery/pkg/api/errors builds them, so clients
// (kubectl, client-node) classify and print them as they would the real apiserver's.
import type { JsonObject } from './json.js';

/** The group and plural resource an error is about, e.g. { group: '', resource: 'pods' }. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

/** One field error, as in field.Error: the field path, its type and the detail text. */
export interface FieldCause {
  readonly field: string;
  /** e.g. 'FieldValueInvalid', 'FieldValueRequired', 'FieldValueNotSupported'. */
  readonly reason: string;
  /** The field error body, e.g. 'Invalid value: "x": must be ...'. */
  readonly message: string;
}

/** A failure that the server answers with a metav1.Status object and its HTTP code. */
export class ApiError extends Error {
  readonly code: number;
  readonly status: JsonObject;

  constructor(code: number, reason: string, message: string, details?: JsonObject) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
  }
}

/** "pods" for the core group, "leases.coordination.k8s.io" otherwise (GroupResource.String). */
function qualifiedResource(resource: GroupResource): string {
  return resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
}

function details(resource: GroupResource, name: string): JsonObject {
  return {
    name,
    ...(resource.group === '' ? {} : { group: resource.group }),
    kind: resource.resource,
  };
}

export function notFound(resource: GroupResource, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(resource)} "${name}" not found`,
    details(resource, name),
  );
}

/** The answer for a path that names no known resource. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(resource: GroupResource, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource)} "${name}" already exists`,
    details(resource, name),
  );
}

export function conflict(resource: GroupResource, name: string, reason: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${reason}`,
    details(resource, name),
  );
}

export const modifiedReason =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid; `kind` is the qualified kind, e.g. "Pod" or "Lease.coordination.k8s.io". */
export function invalid(
  group: string,
  kind: string,
  name: string,
  causes: readonly FieldCause[],
): ApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const lines = [...new Set(causes.map((cause) => `${cause.field}: ${cause.message}`))];
  const aggregate = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const message =
    aggregate === undefined
      ? `${qualifiedKind} "${name}" is invalid`
      : `${qualifiedKind} "${name}" is invalid: ${aggregate}`;
  return new ApiError(422, 'Invalid', message, {
    name,
    ...(group === '' ? {} : { group }),
    kind,
    causes: causes.map((cause) => ({
      reason: cause.reason,
      message: cause.message,
      field: cause.field,
    })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** 403 with the message shape of responsewriters.ForbiddenStatusError. */
export function forbidden(resource: GroupResource, name: string, reason: string): ApiError {
  const subject =
    name === ''
      ? `${qualifiedResource(resource)} is forbidden`
      : `${qualifiedResource(resource)} "${name}" is forbidden`;
  return new ApiError(403, 'Forbidden', `${subject}: ${reason}`, details(resource, name));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function notAcceptable(accepted: readonly string[]): ApiError {
  return new ApiError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: ${accepted.join(', ')}`,
  );
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * 422 as the apiserver answers a JSON patch that fails to apply (e.g. a failed `test`): it uses
 * NewGenericServerResponse, which drops the patch library's own message.
 */
export function patchFailed(): ApiError {
  return new ApiError(
    422,
    'Invalid',
    'the server rejected our request due to an error in our request',
    {},
  );
}

export function internalError(detail: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${detail}`, {
    causes: [{ message: detail }],
  });
}

/** 410 Expired, sent as the object of a watch ERROR event for a compacted resourceVersion. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

/** A Status for an injected fault with any code (500, 503, 429, ...). */
export function injectedFailure(code: number): ApiError {
  const reasons: Record<number, string> = {
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return new ApiError(
    code,
    reasons[code] ?? 'Unknown',
    `injected failure: the test server answers ${code}`,
  );
}

/** A Status Success, as DELETE returns for most resources. */
export function success(resource: GroupResource, name: string, uid: string): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...details(resource, name), uid },
  };
}
