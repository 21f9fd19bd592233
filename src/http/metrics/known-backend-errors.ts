import type { BackendName } from '../../core/backend-name.js';
import type { LabelSet } from './metric-declaration.js';

type BackendErrorSeries = LabelSet<'operation' | 'code'>;

/** `code` for each `operation`: the series a first failure of that operation lands in. */
function failing(code: string, operations: readonly string[]): BackendErrorSeries[] {
  return operations.map((operation) => ({ operation, code }));
}

/**
 * The elector_backend_errors_total series each backend starts with at 0. Operations and codes
 * are open-ended (a backend names its operations, a server names its errors), so these are the
 * ones an outage produces first: each operation of the backend's steady loop with the code its
 * error mapping gives when the server does not answer (etcd: BACKEND_UNAVAILABLE; ZooKeeper: the
 * server's CONNECTION_LOSS on each client call; Lease: the API client's NetworkError), and for Raft a state file
 * that cannot be written. Any other pair appears at its first failure; ElectorBackendErrors
 * waits 5 minutes, so that first failure is not what pages.
 */
export const knownBackendErrors: Readonly<Record<BackendName, readonly BackendErrorSeries[]>> = {
  raft: failing('STATE_UNWRITABLE', ['persist']),
  etcd: failing('BACKEND_UNAVAILABLE', [
    'connect',
    'grant',
    'campaign',
    'keepalive',
    'read',
    'watch',
    'revoke',
  ]),
  zookeeper: failing('CONNECTION_LOSS', ['create', 'getChildren', 'getData', 'exists', 'remove']),
  kubernetes: failing('NetworkError', ['read', 'acquire', 'renew', 'release', 'watch']),
};
