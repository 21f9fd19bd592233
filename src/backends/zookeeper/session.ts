import {
  ACL,
  CreateMode,
  Exception,
  Id,
  Permission,
  State,
  type Client,
  type Event,
  type Stat,
} from 'node-zookeeper-client';
import type { Clock } from '../../core/clock.js';
import { hexOf } from './candidates.js';
import { connectClient, discardClient, dropSocket, type SessionParameters } from './connect.js';
import { OperationTimeoutError, SessionGoneError, toElectorError } from './zookeeper-errors.js';

export type { SessionParameters } from './connect.js';

/**
 * Curator's connection states: `suspended` (the connection dropped; the session may live on),
 * `expired` (the session and its ephemeral znodes are gone), `closed` (we closed it).
 */
type ConnectionState = 'connected' | 'suspended' | 'expired' | 'closed';

interface NodeData {
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
  /** Like exists, leaving a watch on `path` whether or not it exists (its creation is reported). */
  existsWatched(
    path: string,
    watcher: (event: Event) => void,
    signal: AbortSignal,
  ): Promise<Stat | null>;
  /** Sets the data if the node is at `version`; false if it changed or is gone. */
  setData(path: string, data: Buffer, version: number, signal: AbortSignal): Promise<boolean>;
  /** A check-only multi: answered by the quorum leader, so success proves the session is live there. */
  check(path: string, signal: AbortSignal): Promise<boolean>;
  /** False if the node was already gone. */
  remove(path: string, signal: AbortSignal): Promise<boolean>;
  ensurePath(path: string, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

type Callback<T> = (error: Error | Exception | null, value: T) => void;

/**
 * Connects a new session; rejects (mapped) if no server accepts it within twice the timeout,
 * measured on `clock`.
 */
export async function openSession(
  parameters: SessionParameters,
  clock: Clock,
  signal: AbortSignal,
): Promise<ZooKeeperSession> {
  const client = await connectClient(parameters, clock, signal);
  return sessionOver(client, parameters.auth !== null, clock);
}

/**
 * The session of a connected client. Each request is rejected (TIMEOUT) and the connection
 * dropped when no answer comes within 2/3 of the session timeout on `clock`.
 */
export function sessionOver(client: Client, hasAuth: boolean, clock: Clock): ZooKeeperSession {
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
      const finish = (): boolean => {
        if (isSettled) return false;
        isSettled = true;
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        ended.signal.removeEventListener('abort', onEnded);
        return true;
      };
      const fail = (error: unknown): void => {
        if (finish()) reject(toElectorError(error, operation));
      };
      const onAbort = (): void => {
        if (finish()) reject(signal.reason as Error);
      };
      const onEnded = (): void => {
        fail(ended.signal.reason);
      };
      const cancelTimer = clock.setTimer(requestTimeoutMs, () => {
        // Like the Java client's read timeout: a silent server gets its connection dropped.
        if (state === 'connected') dropSocket(client);
        fail(new OperationTimeoutError(operation, requestTimeoutMs));
      });
      if (signal.aborted) {
        onAbort();
        return;
      }
      if (ended.signal.aborted) {
        onEnded();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      ended.signal.addEventListener('abort', onEnded, { once: true });
      try {
        start((error, value) => {
          if (error !== null) fail(error);
          else if (finish()) resolve(value);
        });
      } catch (error) {
        fail(error);
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
    existsWatched: (path, watcher, signal) =>
      call<Stat | null>('exists', signal, (done) => {
        client.exists(path, watcher, (error, stat) => {
          done(error, error === null ? stat : null);
        });
      }),
    setData: (path, data, version, signal) =>
      call<boolean>('setData', signal, (done) => {
        client.setData(path, data, version, (error) => {
          const isStale =
            isNoNode(error) ||
            (error instanceof Exception && error.getCode() === Exception.BAD_VERSION);
          if (isStale) done(null, false);
          else done(error, true);
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
        const cancelTimer = clock.setTimer(Math.min(timeoutMs, 2000), done);
        function done(): void {
          cancelTimer();
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
