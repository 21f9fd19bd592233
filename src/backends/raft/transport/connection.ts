import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PeerDropReason } from '../../../core/election-events.js';
import { encodeFrame, FrameReader } from './frame-reader.js';
import type { ChannelEvent, SecureChannel } from './secure-channel.js';

/** Callbacks of one connection. They run synchronously inside socket events and must not throw. */
interface ConnectionEvents {
  onAuthenticated(connection: PeerConnection): void;
  onPayload(connection: PeerConnection, payload: Buffer): void;
  /**
   * Something the peer sent was discarded. `messageType` is 'handshake' for hello and proof
   * frames and 'unknown' for sealed frames that could not be opened.
   */
  onDrop(
    connection: PeerConnection,
    reason: PeerDropReason,
    detail: string,
    messageType: string,
  ): void;
  /** Called exactly once, after the socket closed for any reason. */
  onClosed(connection: PeerConnection): void;
}

export interface PeerConnectionOptions {
  readonly socket: Socket;
  readonly channel: SecureChannel;
  readonly maxFrameBytes: number;
  /** Connect plus handshake must finish within this, or the connection is closed. */
  readonly handshakeTimeoutMs: number;
  /** Bytes the socket may hold unsent before `send` refuses more. */
  readonly maxBufferedBytes: number;
  /**
   * Acceptor side: once authenticated, send an empty sealed frame whenever this long passed
   * without a frame sent, so the dialer can tell a live peer from a dead one. Null sends none.
   */
  readonly keepaliveIntervalMs: number | null;
  /**
   * Dialer side: close the connection when no frame arrived for this long once authenticated.
   * Writes alone cannot reveal a peer that vanished without a FIN or RST (a rescheduled pod's
   * old IP): the kernel would retransmit into the void for many minutes. Null never closes.
   */
  readonly idleTimeoutMs: number | null;
  readonly events: ConnectionEvents;
  readonly logger: Logger;
}

export type SendResult = 'sent' | 'queue-full' | 'not-ready';

/** One TCP connection to or from a peer: framing, handshake and sealing around a socket. */
export class PeerConnection {
  readonly #options: PeerConnectionOptions;
  readonly #socket: Socket;
  readonly #channel: SecureChannel;
  readonly #reader: FrameReader;
  readonly #handshakeTimer: NodeJS.Timeout;
  #idleTimer: NodeJS.Timeout | null = null;
  #keepaliveTimer: NodeJS.Timeout | null = null;
  /** Whether a frame went out since the keepalive timer last fired: then none is needed. */
  #hasSentSinceKeepalive = false;
  #isClosed = false;
  #lastError: Error | null = null;

  constructor(options: PeerConnectionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    this.#channel = options.channel;
    this.#reader = new FrameReader(options.maxFrameBytes);
    // Nagle's algorithm would hold a heartbeat back by up to a round trip; failover is measured in ms.
    this.#socket.setNoDelay(true);
    this.#socket.setKeepAlive(true, 10_000);
    this.#socket.on('data', (chunk: Buffer) => {
      this.#onData(chunk);
    });
    this.#socket.on('error', (error: Error) => {
      this.#lastError = error;
      options.logger.debug({ event: 'peer.socket.error', remote: this.remote, err: error });
    });
    this.#socket.once('close', () => {
      this.#onClose();
    });
    this.#handshakeTimer = setTimeout(() => {
      this.#onHandshakeTimeout();
    }, options.handshakeTimeoutMs);
    this.#handshakeTimer.unref();
    this.#write(this.#channel.helloBody());
  }

  /** The peer's member ID: claimed after its hello, verified once `isAuthenticated`. */
  get peerId(): string | null {
    return this.#channel.peerId;
  }

  get isAuthenticated(): boolean {
    return !this.#isClosed && this.#channel.isAuthenticated;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The remote address, for logs; also the rate-limit key for peers not yet identified. */
  get remote(): string {
    return this.#socket.remoteAddress ?? 'unknown';
  }

  /** The last socket error (e.g. ECONNREFUSED), for the log line saying why a dial failed. */
  get lastError(): Error | null {
    return this.#lastError;
  }

  /** Seals and writes a payload. Never throws and never waits. */
  send(payload: Uint8Array): SendResult {
    if (!this.isAuthenticated) return 'not-ready';
    if (this.#socket.writableLength > this.#options.maxBufferedBytes) return 'queue-full';
    this.#write(this.#channel.seal(payload));
    this.#hasSentSinceKeepalive = true;
    return 'sent';
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#clearTimers();
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#isClosed) return;
    const { frames, error } = this.#reader.push(chunk);
    if (frames.length > 0) this.#idleTimer?.refresh();
    for (const frame of frames) {
      for (const event of this.#channel.receive(frame)) this.#handle(event);
      // An event above may have closed the connection; the frames after it are not read.
      if (this.#hasClosed()) return;
    }
    if (error !== undefined) {
      this.#options.events.onDrop(this, error.reason, error.detail, 'unknown');
      this.close();
    }
  }

  #handle(event: ChannelEvent): void {
    if (this.#isClosed) return;
    const { events } = this.#options;
    switch (event.type) {
      case 'send':
        this.#write(event.body);
        return;
      case 'authenticated':
        clearTimeout(this.#handshakeTimer);
        this.#startLivenessTimers();
        events.onAuthenticated(this);
        return;
      case 'payload':
        // An empty payload is a keepalive: it only proves the peer is there.
        if (event.payload.byteLength > 0) events.onPayload(this, event.payload);
        return;
      case 'drop':
        events.onDrop(this, event.reason, event.detail, 'unknown');
        return;
      case 'close':
        events.onDrop(this, event.reason, event.detail, 'handshake');
        this.close();
        return;
    }
  }

  #hasClosed(): boolean {
    return this.#isClosed;
  }

  #startLivenessTimers(): void {
    const { keepaliveIntervalMs, idleTimeoutMs, maxBufferedBytes, logger } = this.#options;
    if (keepaliveIntervalMs !== null) {
      this.#keepaliveTimer = setInterval(() => {
        // A peer that stopped reading (or vanished) is given up once its backlog is too large.
        if (this.#socket.writableLength > maxBufferedBytes) this.close();
        else if (this.#hasSentSinceKeepalive) this.#hasSentSinceKeepalive = false;
        else this.#write(this.#channel.seal(Buffer.alloc(0)));
      }, keepaliveIntervalMs);
      this.#keepaliveTimer.unref();
    }
    if (idleTimeoutMs !== null) {
      this.#idleTimer = setTimeout(() => {
        logger.warn(
          { event: 'peer.connection.idle', peer: this.peerId, remote: this.remote, idleTimeoutMs },
          'nothing heard from peer; reconnecting',
        );
        this.close();
      }, idleTimeoutMs);
      this.#idleTimer.unref();
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#handshakeTimer);
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    if (this.#keepaliveTimer !== null) clearInterval(this.#keepaliveTimer);
  }

  #onHandshakeTimeout(): void {
    if (this.#isClosed || this.#channel.isAuthenticated) return;
    if (!this.#socket.connecting) {
      this.#options.events.onDrop(
        this,
        'unauthenticated',
        `handshake not finished within ${this.#options.handshakeTimeoutMs} ms`,
        'handshake',
      );
    }
    this.close();
  }

  #onClose(): void {
    this.#isClosed = true;
    this.#clearTimers();
    this.#options.events.onClosed(this);
  }

  #write(body: Uint8Array): void {
    if (this.#isClosed) return;
    this.#socket.write(encodeFrame(body));
  }
}
