import { State, createClient, type Client } from 'node-zookeeper-client';
import type { Clock } from '../../core/clock.js';
import type { ZooKeeperAuth } from './options.js';
import { SessionGoneError, toElectorError } from './zookeeper-errors.js';

export interface SessionParameters {
  readonly connectString: string;
  readonly sessionTimeoutMs: number;
  readonly auth: ZooKeeperAuth | null;
}

/**
 * Creates a client and waits for its first session. Rejects with a mapped ElectorError when no
 * server grants one within twice the session timeout (the library would retry forever), or with
 * the abort reason; the half-made client is discarded either way.
 */
export async function connectClient(
  parameters: SessionParameters,
  clock: Clock,
  signal: AbortSignal,
): Promise<Client> {
  signal.throwIfAborted();
  const client = createClient(parameters.connectString, {
    sessionTimeout: parameters.sessionTimeoutMs,
    // The pause after every server was tried once; short, since sessions here are short.
    spinDelay: Math.min(1000, Math.max(50, Math.floor(parameters.sessionTimeoutMs / 8))),
    retries: 0,
  });
  if (parameters.auth !== null) {
    client.addAuthInfo(parameters.auth.scheme, Buffer.from(parameters.auth.credentials, 'utf8'));
  }
  const connectTimeoutMs = 2 * parameters.sessionTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      cancelTimer();
      signal.removeEventListener('abort', onAbort);
      client.removeListener('state', onState);
    };
    const fail = (error: unknown, isAbort: boolean): void => {
      finish();
      discardClient(client);
      reject(isAbort ? (error as Error) : toElectorError(error, 'connect'));
    };
    const onState = (state: State): void => {
      if (state === State.SYNC_CONNECTED) {
        finish();
        resolve();
      } else if (state === State.EXPIRED) {
        fail(new SessionGoneError('SESSION_EXPIRED', 'the new session expired at once'), false);
      } else if (state === State.AUTH_FAILED) {
        fail(new SessionGoneError('AUTH_FAILED', 'the server refused our credentials'), false);
      }
    };
    const onAbort = (): void => {
      fail(signal.reason, true);
    };
    const cancelTimer = clock.setTimer(connectTimeoutMs, () => {
      const message = `no server of ${parameters.connectString} granted a session within ${connectTimeoutMs} ms`;
      fail(new SessionGoneError('CONNECT_TIMEOUT', message), false);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('state', onState);
    client.connect();
  });
  return client;
}

/**
 * node-zookeeper-client 1.1.3 has no read timeout and no way to drop a connection, so we reach
 * its socket. Destroying it makes the library reconnect within the same session.
 */
interface ClientInternals {
  readonly connectionManager?: {
    readonly socket?: { destroy?: () => void };
  };
}

export function dropSocket(client: Client): void {
  (client as unknown as ClientInternals).connectionManager?.socket?.destroy?.();
}

/** Closes a client that never finished connecting (or whose session is over) without waiting. */
export function discardClient(client: Client): void {
  client.close();
  dropSocket(client);
}
