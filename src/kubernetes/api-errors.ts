// The one place where Kubernetes API failures become ElectorErrors (in the manner of etcd3's
// castGrpcError): metav1.Status answers, client-node ApiExceptions, network errors and timeouts.
import { ApiException } from '@kubernetes/client-node';
import { z } from 'zod';
import { ElectorError } from '../core/errors.js';

/** A metav1.Status body, as far as elector reads it. */
const statusSchema = z.object({
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
});

/** An HTTP answer outside 2xx; its body is usually a metav1.Status. */
export class HttpStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`HTTP ${statusCode}`);
    this.name = 'HttpStatusError';
  }
}

/** No answer came within the request's own deadline. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The caller's signal aborted the request. */
export class RequestAbortedError extends Error {
  constructor() {
    super('the request was aborted by its caller');
    this.name = 'RequestAbortedError';
  }
}

/** A response that is not what the API promises (not JSON, or missing required fields). */
export class MalformedResponseError extends Error {
  constructor(detail: string) {
    super(`malformed response: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

/**
 * A failed Kubernetes API request. `statusCode` is the HTTP status, or 0 when no answer came;
 * `reason` is the Status reason (Conflict, AlreadyExists, NotFound, Forbidden, Invalid,
 * Unauthorized, Expired, TooManyRequests, InternalError, ServiceUnavailable, ...) or, without an
 * answer, Timeout, NetworkError, Aborted, MalformedResponse or ClientError.
 */
export class KubernetesApiError extends ElectorError {
  readonly operation: string;
  readonly statusCode: number;
  readonly reason: string;

  constructor(
    message: string,
    details: {
      operation: string;
      statusCode: number;
      reason: string;
      retryable: boolean;
      cause: unknown;
    },
  ) {
    super('KUBERNETES_API_ERROR', message, { retryable: details.retryable, cause: details.cause });
    this.name = 'KubernetesApiError';
    this.operation = details.operation;
    this.statusCode = details.statusCode;
    this.reason = details.reason;
  }
}

const reasonsByCode: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'Timeout',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Whether trying the same request again may succeed: conflicts (after a fresh read), expired
 * watches (after a fresh list), throttling, server errors and missing answers. Bad requests,
 * missing objects, refused credentials and missing permissions need a person or a code change.
 */
function isRetryableStatus(statusCode: number): boolean {
  return (
    statusCode === 408 ||
    statusCode === 409 ||
    statusCode === 410 ||
    statusCode === 429 ||
    statusCode >= 500
  );
}

function hintFor(reason: string): string {
  switch (reason) {
    case 'Forbidden':
      return '; grant this verb on this resource in the Role bound to the service account of elector';
    case 'Unauthorized':
      return '; the credentials were refused: check the service-account token or the kubeconfig user';
    case 'Conflict':
      return '; the object changed since it was read: it is read again and the write retried';
    default:
      return '';
  }
}

function parseStatus(body: unknown): z.infer<typeof statusSchema> {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      // A proxy in front of the apiserver may answer with plain text: keep it as the message.
      return { message: body.trim().slice(0, 500) };
    }
  }
  const parsed = statusSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

function fromStatus(operation: string, statusCode: number, body: unknown, cause: unknown) {
  const status = parseStatus(body);
  const reason = status.reason ?? reasonsByCode[statusCode] ?? 'Unknown';
  const detail = status.message === undefined || status.message === '' ? '' : `: ${status.message}`;
  return new KubernetesApiError(
    `kubernetes ${operation} failed with ${statusCode} ${reason}${detail}${hintFor(reason)}`,
    { operation, statusCode, reason, retryable: isRetryableStatus(statusCode), cause },
  );
}

function noAnswer(
  operation: string,
  reason: string,
  why: string,
  retryable: boolean,
  cause: unknown,
) {
  return new KubernetesApiError(`kubernetes ${operation} failed: ${why}`, {
    operation,
    statusCode: 0,
    reason,
    retryable,
    cause,
  });
}

function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * Maps any failure of a Kubernetes request to a KubernetesApiError (code KUBERNETES_API_ERROR)
 * whose message carries the Status reason and message and whose `retryable` says whether the
 * same request may succeed later. An error that is already mapped is returned unchanged.
 */
export function toKubernetesError(error: unknown, operation: string): KubernetesApiError {
  if (error instanceof KubernetesApiError) return error;
  if (error instanceof HttpStatusError) {
    return fromStatus(operation, error.statusCode, error.body, error);
  }
  if (error instanceof ApiException) {
    return fromStatus(operation, error.code, error.body, error);
  }
  if (error instanceof RequestTimeoutError) {
    return noAnswer(operation, 'Timeout', `no answer within ${error.timeoutMs} ms`, true, error);
  }
  if (error instanceof RequestAbortedError) {
    return noAnswer(operation, 'Aborted', 'aborted by the caller', false, error);
  }
  if (error instanceof MalformedResponseError) {
    return noAnswer(operation, 'MalformedResponse', error.message, true, error);
  }
  const detail = error instanceof Error ? error.message : String(error);
  const systemCode = systemCodeOf(error);
  if (systemCode !== undefined && networkErrorCodes.has(systemCode)) {
    return noAnswer(operation, 'NetworkError', `no answer (${systemCode}: ${detail})`, true, error);
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return noAnswer(operation, 'Aborted', 'aborted', false, error);
  }
  return noAnswer(operation, 'ClientError', detail, false, error);
}

/** 409 Conflict: a resourceVersion precondition failed; read again and retry. */
export function isConflict(error: unknown): boolean {
  return (
    error instanceof KubernetesApiError && error.statusCode === 409 && error.reason === 'Conflict'
  );
}

/** 409 AlreadyExists: a create lost a race with another create. */
export function isAlreadyExists(error: unknown): boolean {
  return (
    error instanceof KubernetesApiError &&
    error.statusCode === 409 &&
    error.reason === 'AlreadyExists'
  );
}

/** 404 NotFound for the object itself (not a missing namespace, which reads the same). */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.statusCode === 404;
}
