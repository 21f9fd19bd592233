import {
  ACL,
  CreateMode,
  Exception,
  Id,
  Permission,
  State,
  createClient,
  type Client,
  type Event,
  type Stat,
} from 'node-zookeeper-client';
import type { Logger } from 'pino';
import { hexOf } from './candidates.js';
import type { ZooKeeperAuth } from './options.js';
import { OperationTimeoutError, SessionGoneError, toElectorError } from './zookeeper-errors.js';

/**
 * Curator's connection states: `suspended` (the connection dropped; the session may live on),
 * `expired` (the session and its ephemeral znodes are gone), `closed` (we closed it).
 */
export type ConnectionState = 'connected' | 'suspended' | 'expired' | 'closed';

export interface SessionParameters {
  readonly connectString: string;
  readonly sessionTimeoutMs: number;
  readonly auth: ZooKeeperAuth | null;
  readonly logger: Logger;
}

export interface NodeData {
  readonly data: Buffer | null;
  readonly stat: Stat;
}

/**
 * One ZooKeeper session over node-zookeeper-client. Every request carries a deadline and an
 * AbortSignal, and is rejected when the session ends, because the library leaves requests that
 * were queued at expiry unanswered forever. Rejections are ElectorErrors from toElectorError.
 */
export interface ZooKeeperSession {
  readonly idHex: string;
  readonly timeoutMs: number;
  state(): ConnectionState;
  /** Called after each state change, synchronously from the client's event. */
  onStateChange(listener: (state: ConnectionState) => void): void;
  /** Aborted when the session expires or is closed. */
  readonly ended: AbortSignal;
  create(path: string, data: Buffer, mode: number, signal: AbortSignal): Promise<string>;
  getChildren(path: string, signal: AbortSignal): Promise<string[]>;
  /** Null if the node does not exist (and then no watch is left behind). */
  getData(
    path: string,
    watcher: ((event: Event) => void) | null,
    signal: AbortSignal,
  ): Promise<NodeData | null>;
  exists(path: string, signal: AbortSignal): Promise<Stat | null>;
  /** A check-only multi: answered by the quorum leader, so success proves the session is live there. */
  check(path: string, signal: AbortSignal): Promise<boolean>;
  /** False if the node was already gone. */
  remove(path: string, signal: AbortSignal): Promise<boolean>;
  ensurePath(path: string, signal: AbortSignal): Promise<void>;
  /** Drops the TCP connection so the client reconnects (the session lives on): our read timeout. */
  dropConnection(): void;
  close(): Promise<void>;
}

type Callback<T> = (error: Error | Exception | null, value: T) => void;

/** Connects a new session; rejects (mapped) if no server accepts it within twice the timeout. */
export async function openSession(
  parameters: SessionParameters,
  signal: AbortSignal,
): Promise<ZooKeeperSession> {
  const client = createClient(parameters.connectString, {
    sessionTimeout: parameters.sessionTimeoutMs,
    spinDelay: Math.min(1000, Math.max(50, Math.floor(parameters.sessionTimeoutMs / 8))),
    retries: 0,
  });
  if (parameters.auth !== null) {
    client.addAuthInfo(parameters.auth.scheme, Buffer.from(parameters.auth.credentials, 'utf8'));
  }
  const connectTimeoutMs = 2 * parameters.sessionTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    const finish = (error: unknown): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      client.removeListener('state', onState);
      if (error === null) {
        resolve();
        return;
      }
      discardClient(client);
      reject(error instanceof Error && signal.aborted ? error : toElectorError(error, 'connect'));
    };
    const onState = (state: State): void => {
      if (state === State.SYNC_CONNECTED) finish(null);
      else if (state === State.EXPIRED) finish(new SessionGoneError('SESSION_EXPIRED', 'expired'));
      else if (state === State.AUTH_FAILED) finish(new SessionGoneError('AUTH_FAILED', 'refused'));
    };
    const onAbort = (): void => {
      finish(signal.reason);
    };
    const timer = setTimeout(() => {
      finish(
        new SessionGoneError(
          'CONNECT_TIMEOUT',
          `no server of ${parameters.connectString} accepted a session within ${connectTimeoutMs} ms`,
        ),
      );
    }, connectTimeoutMs);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('state', onState);
    client.connect();
  });
  return wrapClient(client, parameters.auth !== null);
}

function wrapClient(client: Client, hasAuth: boolean): ZooKeeperSession {
  const idHex = hexOf(client.getSessionId());
  const timeoutMs = client.getSessionTimeout();
  const requestTimeoutMs = Math.max(1, Math.floor((timeoutMs * 2) / 3));
  const ended = new AbortController();
  const listeners: ((state: ConnectionState) => void)[] = [];
  let state: ConnectionState = 'connected';
  const acl = aclFor(hasAuth);

  const setState = (next: ConnectionState): void => {
    if (state === next || state === 'expired' || state === 'closed') return;
    state = next;
    if (next === 'expired' || next === 'closed') {
      const code = next === 'expired' ? 'SESSION_EXPIRED' : 'SESSION_CLOSED';
      ended.abort(new SessionGoneError(code, `session 0x${idHex} ${next}`));
    }
    for (const listener of listeners) listener(next);
  };
  client.on('state', (zookeeperState: State) => {
    if (zookeeperState === State.SYNC_CONNECTED) setState('connected');
    else if (zookeeperState === State.EXPIRED || zookeeperState === State.AUTH_FAILED) {
      setState('expired');
    } else setState('suspended');
  });

  /** Runs one request with a deadline; `start` hands the library a callback. */
  const call = <T>(
    operation: string,
    signal: AbortSignal,
    start: (done: Callback<T>) => void,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let isSettled = false;
      const settle = (error: unknown, value?: T): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        ended.signal.removeEventListener('abort', onEnded);
        if (error === null) resolve(value as T);
        else reject(signal.aborted ? (signal.reason as Error) : toElectorError(error, operation));
      };
      const onAbort = (): void => {
        settle(signal.reason);
      };
      const onEnded = (): void => {
        settle(ended.signal.reason);
      };
      const timer = setTimeout(() => {
        // Like the Java client's read timeout: a silent server gets its connection dropped.
        if (state === 'connected') dropSocket(client);
        settle(new OperationTimeoutError(operation, requestTimeoutMs));
      }, requestTimeoutMs);
      if (signal.aborted || ended.signal.aborted) {
        settle(signal.aborted ? signal.reason : ended.signal.reason);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      ended.signal.addEventListener('abort', onEnded, { once: true });
      try {
        start((error, value) => {
          settle(error, value);
        });
      } catch (error) {
        settle(error);
      }
    });

  const isNoNode = (error: unknown): boolean =>
    error instanceof Exception && error.getCode() === Exception.NO_NODE;

  return {
    idHex,
    timeoutMs,
    ended: ended.signal,
    state: () => state,
    onStateChange: (listener) => {
      listeners.push(listener);
    },
    create: (path, data, mode, signal) =>
      call<string>('create', signal, (done) => {
        client.create(path, data, acl, mode, done);
      }),
    getChildren: (path, signal) =>
      call<string[]>('getChildren', signal, (done) => {
        client.getChildren(path, (error, children) => {
          done(error, children);
        });
      }),
    getData: (path, watcher, signal) =>
      call<NodeData | null>('getData', signal, (done) => {
        const callback = (error: Error | Exception | null, data: Buffer, stat: Stat): void => {
          if (isNoNode(error)) done(null, null);
          else done(error, { data, stat });
        };
        if (watcher === null) client.getData(path, callback);
        else client.getData(path, watcher, callback);
      }),
    exists: (path, signal) =>
      call<Stat | null>('exists', signal, (done) => {
        client.exists(path, (error, stat) => {
          done(error, error === null ? stat : null);
        });
      }),
    check: (path, signal) =>
      call<boolean>('check', signal, (done) => {
        client
          .transaction()
          .check(path)
          .commit((error) => {
            if (isNoNode(error)) done(null, false);
            else done(error, true);
          });
      }),
    remove: (path, signal) =>
      call<boolean>('remove', signal, (done) => {
        client.remove(path, (error) => {
          if (isNoNode(error)) done(null, false);
          else done(error, true);
        });
      }),
    ensurePath: (path, signal) =>
      call<undefined>('ensurePath', signal, (done) => {
        client.mkdirp(path, acl, CreateMode.PERSISTENT, (error) => {
          done(error, undefined);
        });
      }),
    dropConnection: () => {
      dropSocket(client);
    },
    close: async () => {
      if (state === 'expired' || state === 'closed') return;
      const wasConnected = state === 'connected';
      setState('closed');
      if (!wasConnected) {
        discardClient(client);
        return;
      }
      // Closing the session deletes our ephemeral znode at once, so the next candidate is
      // notified now rather than a session timeout later.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(timeoutMs, 2000));
        function done(): void {
          clearTimeout(timer);
          client.removeListener('disconnected', done);
          resolve();
        }
        client.once('disconnected', done);
        client.close();
      });
      dropSocket(client);
    },
  };
}

/** Creator-only ACL when we authenticated; otherwise open (ZooKeeper's OPEN_ACL_UNSAFE). */
function aclFor(hasAuth: boolean): ACL[] {
  return hasAuth
    ? [new ACL(Permission.ALL, new Id('auth', ''))]
    : [new ACL(Permission.ALL, new Id('world', 'anyone'))];
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

function dropSocket(client: Client): void {
  (client as unknown as ClientInternals).connectionManager?.socket?.destroy?.();
}

/** Closes a client that never finished connecting (or whose session is over) without waiting. */
function discardClient(client: Client): void {
  client.close();
  dropSocket(client);
}
