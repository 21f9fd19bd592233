import type { Response } from 'express';
import { ElectorError, type ErrorCode, type HttpErrorCode } from '../core/errors.js';
import { toJson } from './json.js';

/**
 * The status of every error the HTTP API answers with on purpose (docs/errors.md lists them).
 * Anything else a handler fails with is a 500; see sendFailure.
 */
export const httpErrorStatuses = {
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_LEADER: 409,
  TRANSFER_FAILED: 503,
  CAPACITY_EXCEEDED: 503,
} as const satisfies Record<HttpErrorCode, number> & Partial<Record<ErrorCode, number>>;

export type AnsweredErrorCode = keyof typeof httpErrorStatuses;

export function sendJson(response: Response, status: number, body: unknown): void {
  response.status(status).type('application/json').send(toJson(body));
}

/** Answers `{"error": {code, message}}` with the status `code` stands for. */
export function sendError(response: Response, code: AnsweredErrorCode, message: string): void {
  sendJson(response, httpErrorStatuses[code], { error: { code, message } });
}

/**
 * A handler failed unexpectedly: 500, with the ElectorError's code or INTERNAL and a fixed
 * message. What went wrong (a message naming a file, a host, a library's internals; a stack)
 * goes to the log only: any pod that reaches the API would read it.
 */
export function sendFailure(response: Response, error: unknown): void {
  const code: ErrorCode = error instanceof ElectorError ? error.code : 'INTERNAL';
  const message = 'the request failed inside the sidecar; its log has the details (http.error)';
  sendJson(response, 500, { error: { code, message } });
}
