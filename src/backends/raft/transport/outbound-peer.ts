import { connect, type Socket } from 'node:net';
import type { PeerDropReason } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import type { Random } from '../../../core/random.js';
import { pause } from '../../../runtime/abortable.js';
import { systemClock } from '../../../runtime/system-clock.js';
import { backoffDelayMs, type BackoffPolicy, type RetryDelays } from '../../../runtime/backoff.js';
import type { PeerConnection, SendResult } from './connection.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** What the outbound side needs to hear about a connection the transport opened for it. */
export interface OutboundHooks {
  readonly onAuthenticated: (connection: PeerConnection) => void;
  readonly onClosed: (connection: PeerConnection) => void;
}

export interface OutboundPeerOptions {
  readonly peerId: string;
  readonly resolvePeer: (id: string) => Promise<PeerAddress>;
  readonly random: Random;
  readonly backoff: RetryDelays;
  readonly maxQueuedMessages: number;
  /** Wraps a dialled socket in a dialer-side connection that accepts only `peerId`. */
  readonly openConnection: (socket: Socket, hooks: OutboundHooks) => PeerConnection;
  /**
   * The authenticated connection the peer dialled to this member, if there is one. While the
   * outbound connection is up, messages go over it instead (see `send`).
   */
  readonly inboundConnection: () => PeerConnection | undefined;
  /** Every message handed to `send` ends here exactly once: sent, or dropped with a reason. */
  readonly onOutcome: (messageType: string, outcome: 'accepted' | PeerDropReason) => void;
  /** A dial attempt ended without an authenticated connection. */
  readonly onDialFailed: (peerId: string, address: PeerAddress | null, error: unknown) => void;
  readonly onConnected: (peerId: string, address: PeerAddress) => void;
}

interface QueuedMessage {
  readonly bytes: Uint8Array;
  readonly messageType: string;
}

type OutboundState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

/**
 * The one outbound connection to one peer. It dials as soon as it runs and redials after every
 * close, with capped jittered backoff; the address is resolved again before each dial, so a
 * pod that moved (a new IP behind a headless Service) is found. While a dial is under way a
 * few messages wait in a bounded queue; during backoff messages are dropped as unreachable.
 *
 * While it is up, messages travel over the connection the peer dialled to this member when
 * there is one (the return path), so each pair's traffic in both directions rides frames the
 * other side's idle timer already needs: the peer's dialer hears them instead of keepalives,
 * and this dialer hears the peer's messages. The outbound connection still decides whether the
 * peer is reachable: it closes when nothing arrives on it, and then nothing is sent at all.
 */
export class OutboundPeer {
  readonly #options: OutboundPeerOptions;
  readonly #backoff: BackoffPolicy;
  #state: OutboundState = 'idle';
  #queue: QueuedMessage[] = [];
  #connection: PeerConnection | null = null;

  constructor(options: OutboundPeerOptions) {
    this.#options = options;
    this.#backoff = { ...options.backoff, random: options.random };
  }

  get isConnected(): boolean {
    return this.#state === 'connected' && this.#connection?.isAuthenticated === true;
  }

  /** Sends, queues or drops; never throws and never waits. */
  send(bytes: Uint8Array, messageType: string): void {
    const { onOutcome, maxQueuedMessages } = this.#options;
    switch (this.#state) {
      case 'connected':
        onOutcome(messageType, outcomeOf(this.#sendConnected(bytes)));
        return;
      case 'connecting':
        if (this.#queue.length >= maxQueuedMessages) {
          onOutcome(messageType, 'queue-full');
          return;
        }
        this.#queue.push({ bytes, messageType });
        return;
      case 'idle':
      case 'backoff':
      case 'stopped':
        onOutcome(messageType, 'unreachable');
        return;
    }
  }

  /**
   * The peer just proved it is alive (it connected to us): if this side is waiting out a backoff,
   * dial now instead. A restarted peer is then reachable in both directions at once, not after
   * the backoff, which would otherwise delay a leadership transfer to or through it.
   */
  redialNow(): void {
    if (this.#state !== 'backoff') return;
    this.#resetAttempts = true;
    this.#wake?.abort();
  }

  #wake: AbortController | null = null;
  #resetAttempts = false;

  /** Dials and redials until `signal` aborts; resolves once the last connection closed. */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      this.#state = 'connecting';
      const wasAuthenticated = await this.#dialOnce(signal);
      this.#connection = null;
      this.#dropQueue();
      // A connection that worked and then broke (a peer restart) is redialled at the shortest delay.
      if (wasAuthenticated) attempt = 0;
      this.#state = 'backoff';
      const wake = new AbortController();
      this.#wake = wake;
      const delayMs = backoffDelayMs(this.#backoff, attempt);
      // Returns at once when aborted (the loop condition then ends the loop) or woken by redialNow.
      await pause(systemClock, delayMs, AbortSignal.any([signal, wake.signal]));
      this.#wake = null;
      attempt = this.#resetAttempts ? 0 : attempt + 1;
      this.#resetAttempts = false;
    }
    this.#state = 'stopped';
    this.#dropQueue();
  }

  /** Resolves with whether the connection authenticated, once it has closed. */
  async #dialOnce(signal: AbortSignal): Promise<boolean> {
    const { peerId, resolvePeer, onDialFailed } = this.#options;
    let address: PeerAddress | undefined;
    try {
      address = await resolveUnlessAborted(resolvePeer(peerId), signal, peerId);
    } catch (error) {
      onDialFailed(peerId, null, error);
      return false;
    }
    if (address === undefined || signal.aborted) return false;
    const problem = addressProblem(address);
    if (problem !== null) {
      onDialFailed(peerId, address, new ElectorError('CONFIG_INVALID', problem));
      return false;
    }
    return this.#connectTo(address, signal);
  }

  #connectTo(address: PeerAddress, signal: AbortSignal): Promise<boolean> {
    const { peerId, openConnection, onDialFailed, onConnected } = this.#options;
    return new Promise((resolve) => {
      let wasAuthenticated = false;
      const socket = connect({ host: address.host, port: address.port, noDelay: true });
      const onAbort = (): void => {
        socket.destroy();
      };
      const connection = openConnection(socket, {
        onAuthenticated: () => {
          wasAuthenticated = true;
          this.#connection = connection;
          this.#state = 'connected';
          onConnected(peerId, address);
          this.#flush();
        },
        onClosed: () => {
          signal.removeEventListener('abort', onAbort);
          if (!wasAuthenticated) onDialFailed(peerId, address, connection.lastError);
          resolve(wasAuthenticated);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #sendConnected(bytes: Uint8Array): SendResult {
    const returned = this.#options.inboundConnection()?.send(bytes) ?? 'not-ready';
    // A return path that just closed is no reason to drop: the outbound connection is up.
    if (returned !== 'not-ready') return returned;
    return this.#connection?.send(bytes) ?? 'not-ready';
  }

  #flush(): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const { bytes, messageType } of queued) {
      this.#options.onOutcome(messageType, outcomeOf(this.#sendConnected(bytes)));
    }
  }

  #dropQueue(): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const { messageType } of queued) this.#options.onOutcome(messageType, 'unreachable');
  }
}

function outcomeOf(result: SendResult): 'accepted' | PeerDropReason {
  switch (result) {
    case 'sent':
      return 'accepted';
    case 'queue-full':
      return 'queue-full';
    case 'not-ready':
      return 'unreachable';
  }
}

/** The resolved address, or undefined if `signal` aborted first (a hung DNS lookup must not block shutdown). */
function resolveUnlessAborted(
  lookup: Promise<PeerAddress>,
  signal: AbortSignal,
  peerId: string,
): Promise<PeerAddress | undefined> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    lookup.then(
      (address) => {
        signal.removeEventListener('abort', onAbort);
        resolve(address);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(
          new ElectorError(
            'BACKEND_UNAVAILABLE',
            `resolving the address of peer "${peerId}" failed`,
            {
              retryable: true,
              cause: error,
            },
          ),
        );
      },
    );
  });
}

/** net.connect throws synchronously on a bad port, so a resolver's output is checked first. */
function addressProblem(address: PeerAddress): string | null {
  const { host, port } = address as { host: unknown; port: unknown };
  if (typeof host !== 'string' || host.length === 0) {
    return `peer address host: expected a non-empty string; got ${typeof host === 'string' ? '""' : typeof host}`;
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    return `peer address port: expected an integer in 1..65535; got ${String(port)}`;
  }
  return null;
}
