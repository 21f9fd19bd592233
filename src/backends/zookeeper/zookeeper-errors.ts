import { Exception } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError, type ErrorCode } from '../../core/errors.js';

/** A failed ZooKeeper operation: which one, and the server's (or our) error code name. */
class ZooKeeperOperationError extends ElectorError {
  readonly operation: string;
  /** e.g. CONNECTION_LOSS, SESSION_EXPIRED, NO_AUTH, or TIMEOUT when no answer came in time. */
  readonly zookeeperCode: string;

  constructor(
    code: ErrorCode,
    message: string,
    details: { operation: string; zookeeperCode: string; retryable: boolean; cause: unknown },
  ) {
    super(code, message, { retryable: details.retryable, cause: details.cause });
    this.name = 'ZooKeeperOperationError';
    this.operation = details.operation;
    this.zookeeperCode = details.zookeeperCode;
  }
}

/** Raised by the session wrapper when the server gave no answer within the operation deadline. */
export class OperationTimeoutError extends Error {
  constructor(operation: string, timeoutMs: number) {
    super(`no answer to ${operation} within ${timeoutMs} ms`);
    this.name = 'OperationTimeoutError';
  }
}

/** Raised when the client cannot connect or the session is gone before a request completes. */
export class SessionGoneError extends Error {
  readonly zookeeperCode: string;
  constructor(zookeeperCode: string, message: string) {
    super(message);
    this.name = 'SessionGoneError';
    this.zookeeperCode = zookeeperCode;
  }
}

/** The ZooKeeper error code name of `error` (e.g. "CONNECTION_LOSS"), "TIMEOUT", or "UNKNOWN". */
export function zookeeperCodeOf(error: unknown): string {
  if (error instanceof ZooKeeperOperationError) return error.zookeeperCode;
  if (error instanceof Exception) return error.getName();
  if (error instanceof OperationTimeoutError) return 'TIMEOUT';
  if (error instanceof SessionGoneError) return error.zookeeperCode;
  return 'UNKNOWN';
}

/**
 * The one place where ZooKeeper failures become ElectorErrors (in the manner of etcd3's
 * castGrpcError). Session loss means the lease is gone; connectivity problems are retryable;
 * authorisation problems need an operator; anything else is a bug.
 */
export function toElectorError(error: unknown, operation: string): ElectorError {
  if (error instanceof ElectorError) return error;
  const zookeeperCode = zookeeperCodeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const make = (code: ErrorCode, retryable: boolean, why: string): ZooKeeperOperationError =>
    new ZooKeeperOperationError(code, `zookeeper ${operation} failed (${zookeeperCode}): ${why}`, {
      operation,
      zookeeperCode,
      retryable,
      cause: error,
    });
  switch (zookeeperCode) {
    case 'SESSION_EXPIRED':
    case 'SESSION_CLOSED':
      return make('LEASE_LOST', true, 'the session expired; the member re-campaigns in a new one');
    case 'CONNECTION_LOSS':
    case 'OPERATION_TIMEOUT':
    case 'TIMEOUT':
    case 'CONNECT_TIMEOUT':
    case 'SYSTEM_ERROR':
    case 'RUNTIME_INCONSISTENCY':
    case 'DATA_INCONSISTENCY':
    case 'MARSHALLING_ERROR':
      return make('BACKEND_UNAVAILABLE', true, `the ensemble did not answer (${detail})`);
    case 'NO_AUTH':
    case 'AUTH_FAILED':
    case 'INVALID_ACL':
      return make('BACKEND_UNAVAILABLE', false, 'check the auth option and the ACLs on the path');
    case 'NO_NODE':
    case 'NODE_EXISTS':
    case 'BAD_VERSION':
    case 'NOT_EMPTY':
    case 'NO_CHILDREN_FOR_EPHEMERALS':
      return make('BACKEND_UNAVAILABLE', true, `the tree changed under us (${detail})`);
    default:
      return make('INTERNAL', false, detail);
  }
}

export interface FailureReporter {
  /** Maps `error` (once), logs one line and emits one backend-error event; returns the mapped error. */
  (operation: string, error: unknown): ElectorError;
}

/** Builds the reporter used by every part of the backend, so each failure is logged exactly once. */
export function createFailureReporter(logger: Logger, observe: ElectionObserver): FailureReporter {
  const reported = new WeakSet<object>();
  return (operation, error) => {
    const mapped = toElectorError(error, operation);
    if (reported.has(mapped)) return mapped;
    reported.add(mapped);
    const failedOperation =
      mapped instanceof ZooKeeperOperationError ? mapped.operation : operation;
    const code = mapped instanceof ZooKeeperOperationError ? mapped.zookeeperCode : mapped.code;
    observe({ type: 'backend-error', operation: failedOperation, code });
    const fields = {
      event: 'backend.error',
      operation: failedOperation,
      code: mapped.code,
      zookeeperCode: code,
      retryable: mapped.retryable,
    };
    if (mapped.retryable) logger.warn(fields, mapped.message);
    else logger.error(fields, mapped.message);
    return mapped;
  };
}
