import { childLogger } from '../../child-logger.js';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PeerDropReason } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import { peerMessageTypes, type PeerMessage } from '../../../core/raft/messages.js';
import { PeerConnection } from './connection.js';
import { sealedHeaderBytes } from './frame-auth.js';
import { InboundListener } from './inbound-listener.js';
import { OutboundPeer, type OutboundHooks, type PeerAddress } from './outbound-peer.js';
import { SecureChannel, type ConnectionRole } from './secure-channel.js';
import { MessageFanout, type MessageHandler } from './message-fanout.js';
import { supervise } from './supervise.js';
import { TrafficReporter } from './traffic-reporter.js';
import {
  resolveTransportOptions,
  type PeerTransportOptions,
  type ResolvedTransportOptions,
} from './transport-options.js';
import { decodePeerMessage, tryEncodePeerMessage } from './wire.js';

export interface PeerStatus {
  /** Whether the outbound connection to the peer is up and authenticated, so `send` reaches it now. */
  readonly isConnected: boolean;
  /** Clock reading when the last accepted message from the peer arrived; null if none yet. */
  readonly lastReceivedAt: number | null;
}

export type { MessageHandler } from './message-fanout.js';

type TransportState = 'new' | 'running' | 'stopped';

/** A dialler nobody wants any more is closed once nothing was sent through it for this long. */
const idlePeerMs = 30_000;

/**
 * The Raft peer mesh over TCP. Each member dials one outbound connection to every peer and
 * accepts inbound connections from any peer; it receives on both. A message goes out only while
 * the outbound connection to its peer is up, over the peer's inbound connection when there is
 * one (see OutboundPeer), so each direction's messages also keep the other side's idle timer
 * fed and no keepalives are needed while messages flow. Every connection is mutually authenticated with the cluster secret (see secure-channel.ts), and a
 * received message is delivered only if it decodes, comes from the authenticated peer and is
 * addressed to this member. Every message in either direction is observed as accepted or
 * dropped with a reason; warnings about drops are rate-limited per peer and reason.
 *
 * @example
 * const transport = new PeerTransport({ selfId: 'a', peers: ['b', 'c'], ... });
 * transport.onMessage((message) => driver.receive(message));
 * await transport.start(root.signal);
 * transport.send({ type: 'heartbeat', from: 'a', to: 'b', term: 3, sentAt: clock.now() });
 */
export class PeerTransport {
  readonly #options: ResolvedTransportOptions;
  readonly #logger: Logger;
  readonly #payloadLimit: number;
  readonly #outbound = new Map<string, { peer: OutboundPeer; stop: AbortController }>();
  #signal: AbortSignal | null = null;
  readonly #listener: InboundListener;
  readonly #connections = new Set<PeerConnection>();
  readonly #lastReceivedAt = new Map<string, number>();
  /** When a message to each peer was last handed to its dialler. */
  readonly #lastSentAt = new Map<string, number>();
  readonly #fanout: MessageFanout;
  readonly #reporter: TrafficReporter;
  readonly #tasks = new Set<Promise<void>>();
  readonly #stopped: Promise<void>;
  #resolveStopped: () => void = () => undefined;
  #state: TransportState = 'new';
  #address: PeerAddress | null = null;

  /** Fills in the defaults (resolveTransportOptions); the options are checked by the caller. */
  constructor(options: PeerTransportOptions) {
    this.#options = resolveTransportOptions(options);
    this.#logger = childLogger(options.logger, {
      component: 'peer-transport',
      member: options.selfId,
    });
    this.#payloadLimit = this.#options.maxFrameBytes - sealedHeaderBytes;
    this.#fanout = new MessageFanout(this.#logger, options.observe);
    this.#reporter = new TrafficReporter({
      observe: options.observe,
      logger: this.#logger,
      clock: options.clock,
      dropLogIntervalMs: this.#options.dropLogIntervalMs,
    });
    this.#stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
    this.#listener = new InboundListener({
      maxPendingHandshakes: this.#options.maxPendingHandshakes,
      maxPendingHandshakesPerAddress: this.#options.maxPendingHandshakesPerAddress,
      maxPeers: this.#options.maxPeers,
      logger: this.#logger,
      reporter: this.#reporter,
      // Membership is a Raft decision, not a transport filter: the secret is the admission.
      openConnection: (socket, hooks) =>
        this.#openConnection(socket, 'acceptor', (id) => id !== options.selfId, hooks),
      onPeerAlive: (peerId) => {
        this.#outbound.get(peerId)?.peer.redialNow();
      },
    });
    for (const peerId of options.peers) this.#ensureOutbound(peerId);
  }

  /**
   * Listens, then starts dialling every peer. Resolves once listening. Aborting `signal` closes
   * the listener, every connection and every dial loop (see `stopped`). Rejects with
   * BACKEND_UNAVAILABLE (retryable) if it cannot listen, and with INTERNAL if called twice.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'new') {
      throw new ElectorError('INTERNAL', 'PeerTransport.start called more than once');
    }
    this.#state = 'running';
    const { listenHost, listenPort } = this.#options;
    try {
      this.#address = await this.#listener.listen(listenHost, listenPort);
    } catch (error) {
      this.#stop();
      throw error;
    }
    this.#logger.info({ event: 'peer-transport.listening', ...this.#address }, 'listening');
    this.#signal = signal;
    for (const peerId of this.#outbound.keys()) this.#run(peerId);
    if (signal.aborted) this.#stop();
    else {
      signal.addEventListener(
        'abort',
        () => {
          this.#stop();
        },
        { once: true },
      );
    }
  }

  /** Resolves once the transport was stopped and every socket and dial loop has closed. */
  stopped(): Promise<void> {
    return this.#stopped;
  }

  /**
   * Sends without waiting: over the peer's connection, queued while it is being set up, or
   * dropped and counted (unknown-peer, unreachable, queue-full, malformed). Never throws.
   */
  send(message: PeerMessage): void {
    const messageType = knownType(message.type);
    const outbound = this.#ensureOutbound(message.to);
    if (outbound === null) {
      this.#dropOut(
        message.to,
        'unknown-peer',
        messageType,
        `"${message.to}" would be peer ${this.#outbound.size + 1}; the limit is ${this.#options.maxPeers}`,
      );
      return;
    }
    if (message.from !== this.#options.selfId) {
      this.#dropOut(message.to, 'malformed', messageType, `from "${message.from}" is not self`);
      return;
    }
    const encoded = tryEncodePeerMessage(message, this.#payloadLimit);
    if (!encoded.ok) {
      this.#dropOut(message.to, encoded.reason, messageType, encoded.detail);
      return;
    }
    this.#lastSentAt.set(message.to, this.#options.clock.now());
    outbound.send(encoded.bytes, messageType);
  }

  /** Calls `handler` with every accepted message, synchronously. Returns an unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    return this.#fanout.add(handler);
  }

  /**
   * Keeps dialling these peers: starts the ones not dialled yet, and closes the others that no
   * message went to for a while (a removed member, a member no longer wanted; one that is only
   * answered now and then, such as a joining member saying hello, stays). A later message to a
   * closed one dials again.
   */
  retainPeers(peerIds: Iterable<string>): void {
    const wanted = new Set(peerIds);
    wanted.delete(this.#options.selfId);
    const idleSince = this.#options.clock.now() - idlePeerMs;
    for (const [peerId, outbound] of this.#outbound) {
      if (wanted.has(peerId) || (this.#lastSentAt.get(peerId) ?? -Infinity) >= idleSince) continue;
      outbound.stop.abort();
      this.#outbound.delete(peerId);
      this.#lastReceivedAt.delete(peerId);
      this.#lastSentAt.delete(peerId);
    }
    for (const peerId of wanted) this.#ensureOutbound(peerId);
  }

  /** One entry per peer being dialled. */
  peerStatus(): ReadonlyMap<string, PeerStatus> {
    const status = new Map<string, PeerStatus>();
    for (const [peerId, outbound] of this.#outbound) {
      status.set(peerId, {
        isConnected: outbound.peer.isConnected,
        lastReceivedAt: this.#lastReceivedAt.get(peerId) ?? null,
      });
    }
    return status;
  }

  /** The bound address (with the real port when listenPort was 0); null until listening. */
  listenAddress(): PeerAddress | null {
    return this.#address;
  }

  /** The peer's dialler, created (and started, once running) on first use; null over the limit. */
  #ensureOutbound(peerId: string): OutboundPeer | null {
    const known = this.#outbound.get(peerId);
    if (known !== undefined) return known.peer;
    if (peerId === this.#options.selfId || this.#outbound.size >= this.#options.maxPeers)
      return null;
    this.#outbound.set(peerId, { peer: this.#createOutbound(peerId), stop: new AbortController() });
    if (this.#state === 'running') this.#run(peerId);
    return this.#outbound.get(peerId)?.peer ?? null;
  }

  #run(peerId: string): void {
    const outbound = this.#outbound.get(peerId);
    const signal = this.#signal;
    if (outbound === undefined || signal === null) return;
    const context = { logger: this.#logger, observe: this.#options.observe };
    const until = AbortSignal.any([signal, outbound.stop.signal]);
    const task = supervise(`dial peer ${peerId}`, () => outbound.peer.run(until), context);
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  #createOutbound(peerId: string): OutboundPeer {
    return new OutboundPeer({
      peerId,
      resolvePeer: async (id) => {
        const address = await this.#options.resolvePeer(id);
        // Where this member dials the peer is where the peer dials from: its slots are reserved.
        this.#listener.notePeerAddress(id, address.host);
        return address;
      },
      random: this.#options.random,
      backoff: this.#options.backoff,
      maxQueuedMessages: this.#options.maxQueuedMessages,
      openConnection: (socket, hooks) =>
        this.#openConnection(socket, 'dialer', (id) => id === peerId, hooks),
      inboundConnection: () => this.#listener.connectionFrom(peerId),
      onOutcome: (messageType, outcome) => {
        if (outcome === 'accepted') {
          this.#reporter.accepted('out', messageType);
        } else {
          this.#dropOut(peerId, outcome, messageType, outcomeDetail[outcome] ?? outcome);
        }
      },
      onDialFailed: (id, address, error) => {
        this.#reporter.warnLimited(`${id}\0dial`, {
          event: 'peer.dial.failed',
          peer: id,
          address,
          err: error,
        });
      },
      onConnected: (id, address) => {
        this.#logger.info({ event: 'peer.connected', peer: id, address }, 'connected to peer');
      },
    });
  }

  #openConnection(
    socket: Socket,
    role: ConnectionRole,
    isAcceptablePeer: (id: string) => boolean,
    hooks: OutboundHooks,
  ): PeerConnection {
    const { selfId, secret, maxFrameBytes, handshakeTimeoutMs, maxBufferedBytes } = this.#options;
    const { keepaliveIntervalMs, idleTimeoutMs } = this.#options;
    const connection = new PeerConnection({
      socket,
      channel: new SecureChannel({ role, selfId, secret, isAcceptablePeer }),
      maxFrameBytes,
      handshakeTimeoutMs,
      maxBufferedBytes,
      keepaliveIntervalMs: role === 'acceptor' ? keepaliveIntervalMs : null,
      idleTimeoutMs: role === 'dialer' ? idleTimeoutMs : null,
      logger: this.#logger,
      events: {
        onAuthenticated: hooks.onAuthenticated,
        onPayload: (from, payload) => {
          this.#receive(from, payload);
        },
        onDrop: (from, reason, detail, messageType) => {
          // Until the handshake proves an ID, key warnings by address: a claimed ID proves nothing.
          const key = from.isAuthenticated ? (from.peerId ?? from.remote) : from.remote;
          this.#dropIn(key, from.peerId, reason, messageType, detail);
        },
        onClosed: (closed) => {
          this.#connections.delete(closed);
          hooks.onClosed(closed);
        },
      },
    });
    this.#connections.add(connection);
    if (this.#state !== 'running') connection.close();
    return connection;
  }

  #receive(connection: PeerConnection, payload: Buffer): void {
    const peerId = connection.peerId ?? '';
    const decoded = decodePeerMessage(payload, this.#payloadLimit);
    if (!decoded.ok) {
      this.#dropIn(peerId, peerId, decoded.reason, decoded.messageType, decoded.detail);
      return;
    }
    const { message } = decoded;
    if (message.from !== peerId) {
      const detail = `message from "${message.from}" on a connection authenticated as "${peerId}"`;
      this.#dropIn(peerId, peerId, 'unauthenticated', message.type, detail);
      return;
    }
    if (message.to !== this.#options.selfId) {
      this.#dropIn(peerId, peerId, 'not-for-us', message.type, `addressed to "${message.to}"`);
      return;
    }
    this.#lastReceivedAt.set(peerId, this.#options.clock.now());
    this.#reporter.accepted('in', message.type);
    this.#logger.debug({ event: 'peer.message.received', peer: peerId, message });
    this.#fanout.deliver(message);
  }

  #dropIn(
    source: string,
    peer: string | null,
    reason: PeerDropReason,
    messageType: string,
    detail: string,
  ): void {
    this.#reporter.dropped('in', { source, peer, reason, messageType, detail });
  }

  #dropOut(peer: string, reason: PeerDropReason, messageType: string, detail: string): void {
    this.#reporter.dropped('out', { source: peer, peer, reason, messageType, detail });
  }

  #stop(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    const listenerClosed = this.#listener.close();
    for (const connection of this.#connections) connection.close();
    void Promise.all([listenerClosed, ...this.#tasks]).then(() => {
      this.#logger.info({ event: 'peer-transport.stopped' }, 'stopped');
      this.#resolveStopped();
    });
  }
}

function knownType(type: unknown): string {
  const known: readonly unknown[] = peerMessageTypes;
  return known.includes(type) ? String(type) : 'unknown';
}

const outcomeDetail: Partial<Record<PeerDropReason, string>> = {
  unreachable: 'no connection to the peer (dialling failed, backing off, or stopped)',
  'queue-full': 'too many messages waiting for the connection',
};
