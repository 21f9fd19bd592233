/**
 * Every failure elector reports has a stable code. The list, with httpErrorCodes below, is
 * mirrored in docs/errors.md, and a test fails when either side names a code the other lacks.
 */
export const errorCodes = [
  'CONFIG_INVALID',
  'PEER_MESSAGE_INVALID',
  'PEER_UNAUTHENTICATED',
  'STATE_CORRUPT',
  'STATE_UNWRITABLE',
  'LEASE_LOST',
  'BACKEND_UNAVAILABLE',
  'NOT_LEADER',
  'TRANSFER_FAILED',
  'KUBERNETES_API_ERROR',
  'SIDECAR_UNREACHABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/**
 * Codes only the HTTP API answers with: the request itself was wrong (a bad parameter, a
 * caller not allowed, no such endpoint or method, more callers than the API serves at once). They are kept apart from ErrorCode because
 * nothing fails inside elector when they are sent: no ElectorError carries them, and a backend
 * translating its library's errors cannot pick one. An HTTP error body's `code` is either kind.
 */
export const httpErrorCodes = [
  'BAD_REQUEST',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CAPACITY_EXCEEDED',
] as const;

export type HttpErrorCode = (typeof httpErrorCodes)[number];

export interface ElectorErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/** The one error type elector throws; `code` says what failed, `retryable` whether trying again may help. */
export class ElectorError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ElectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ElectorError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** For exhaustive switches: the compiler proves this is never reached. */
export function assertNever(value: never): never {
  throw new ElectorError('INTERNAL', `unexpected value: ${JSON.stringify(value)}`);
}
