import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  GRPCInvalidArgumentError,
  GRPCNotImplementedError,
  GRPCOutOfRangeError,
  GRPCUnauthenticatedError,
} from 'etcd3';
import type { Logger } from 'pino';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';

/** What the backend was doing when etcd failed; a label value, so a small fixed set. */
export type EtcdOperation =
  'connect' | 'grant' | 'campaign' | 'keepalive' | 'read' | 'watch' | 'revoke' | 'lease-deadline';

/**
 * The one place where etcd3 and gRPC failures become ElectorErrors (in the manner of etcd3's
 * `castGrpcError`). Lease loss is LEASE_LOST (re-campaigning helps); refused credentials,
 * permissions and malformed requests are BACKEND_UNAVAILABLE and not retryable (an operator
 * must act); everything else is BACKEND_UNAVAILABLE and retryable.
 */
function toElectorError(error: unknown, operation: EtcdOperation): ElectorError {
  if (error instanceof ElectorError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof EtcdLeaseInvalidError) {
    return new ElectorError('LEASE_LOST', `etcd ${operation}: the lease is gone (${detail})`, {
      retryable: true,
      cause: error,
    });
  }
  const isCredentialProblem =
    error instanceof EtcdAuthenticationFailedError ||
    error instanceof EtcdPermissionDeniedError ||
    error instanceof GRPCUnauthenticatedError ||
    // etcd with auth enabled, asked without a user (codes.InvalidArgument).
    (error instanceof GRPCInvalidArgumentError && detail.includes('user name is empty'));
  if (isCredentialProblem) {
    return new ElectorError(
      'BACKEND_UNAVAILABLE',
      `etcd ${operation}: refused (${detail}); check auth.username, auth.password and the role's permissions on the key prefix`,
      { retryable: false, cause: error },
    );
  }
  if (
    error instanceof GRPCInvalidArgumentError ||
    error instanceof GRPCOutOfRangeError ||
    error instanceof GRPCNotImplementedError
  ) {
    return new ElectorError(
      'BACKEND_UNAVAILABLE',
      `etcd ${operation}: request rejected (${detail})`,
      {
        retryable: false,
        cause: error,
      },
    );
  }
  if (error instanceof ClientClosedError) {
    return new ElectorError('BACKEND_UNAVAILABLE', `etcd ${operation}: client already closed`, {
      retryable: false,
      cause: error,
    });
  }
  return new ElectorError('BACKEND_UNAVAILABLE', `etcd ${operation}: ${detail}`, {
    retryable: true,
    cause: error,
  });
}

/** Maps, logs one line and counts one `backend-error`; returns the ElectorError for the caller. */
export type EtcdErrorReporter = (operation: EtcdOperation, error: unknown) => ElectorError;

export function createErrorReporter(logger: Logger, observe: ElectionObserver): EtcdErrorReporter {
  return (operation, error) => {
    const mapped = toElectorError(error, operation);
    observe({ type: 'backend-error', operation, code: mapped.code });
    const fields = {
      event: 'etcd.error',
      operation,
      code: mapped.code,
      retryable: mapped.retryable,
    };
    // Not retryable means an operator must act; anything retryable is handled here.
    if (mapped.retryable) logger.warn(fields, mapped.message);
    else logger.error(fields, mapped.message);
    return mapped;
  };
}
