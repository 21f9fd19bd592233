import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { ElectorError } from '../../../core/errors.js';
import type { PeerConnection } from './connection.js';
import type { OutboundHooks, PeerAddress } from './outbound-peer.js';
import type { TrafficReporter } from './traffic-reporter.js';

export interface InboundListenerOptions {
  readonly maxPendingHandshakes: number;
  /** The same from one remote address, so one host cannot take every slot. */
  readonly maxPendingHandshakesPerAddress: number;
  readonly logger: Logger;
  readonly reporter: TrafficReporter;
  /** Wraps an accepted socket in an acceptor-side connection. */
  readonly openConnection: (socket: Socket, hooks: OutboundHooks) => PeerConnection;
  /** A peer authenticated an inbound connection: it is alive. */
  readonly onPeerAlive: (peerId: string) => void;
}

/**
 * The listening socket. It caps the connections still in their handshake, in total and per
 * remote address (a flood of silent sockets cannot exhaust memory, and one host cannot lock
 * the real peers out), and keeps only the newest authenticated connection per
 * peer: a peer that restarted leaves a half-open old connection, which is closed when the new
 * one authenticates.
 */
export class InboundListener {
  readonly #options: InboundListenerOptions;
  readonly #server: Server;
  readonly #authenticated = new Map<string, PeerConnection>();
  #pendingHandshakes = 0;
  readonly #pendingByAddress = new Map<string, number>();
  #isClosed = false;

  constructor(options: InboundListenerOptions) {
    this.#options = options;
    this.#server = createServer({ noDelay: true }, (socket) => {
      this.#accept(socket);
    });
  }

  /** Resolves with the bound address; rejects with BACKEND_UNAVAILABLE (retryable). */
  async listen(host: string, port: number): Promise<PeerAddress> {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error): void => {
          reject(error);
        };
        this.#server.once('error', onError);
        this.#server.listen(port, host, () => {
          this.#server.off('error', onError);
          resolve();
        });
      });
    } catch (error) {
      throw new ElectorError(
        'BACKEND_UNAVAILABLE',
        `peer transport: cannot listen on ${host}:${port}: ${String(error)}`,
        { retryable: true, cause: error },
      );
    }
    this.#server.on('error', (error: Error) => {
      this.#options.logger.error({ event: 'peer-transport.server.error', err: error });
    });
    const address = this.#server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Stops accepting; resolves once the listening socket is closed. Open connections are the caller's. */
  close(): Promise<void> {
    this.#isClosed = true;
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => {
        resolve();
      });
    });
  }

  #accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? 'unknown';
    const fromRemote = this.#pendingByAddress.get(remote) ?? 0;
    if (
      this.#isClosed ||
      this.#pendingHandshakes >= this.#options.maxPendingHandshakes ||
      fromRemote >= this.#options.maxPendingHandshakesPerAddress
    ) {
      this.#options.reporter.warnLimited(`${remote}\0refused`, {
        event: 'peer.connection.refused',
        remote,
        pendingHandshakes: this.#pendingHandshakes,
        pendingFromRemote: fromRemote,
      });
      socket.destroy();
      return;
    }
    this.#pendingHandshakes += 1;
    this.#pendingByAddress.set(remote, fromRemote + 1);
    let isPending = true;
    const settle = (): void => {
      if (!isPending) return;
      isPending = false;
      this.#pendingHandshakes -= 1;
      const left = (this.#pendingByAddress.get(remote) ?? 1) - 1;
      if (left > 0) this.#pendingByAddress.set(remote, left);
      else this.#pendingByAddress.delete(remote);
    };
    this.#options.openConnection(socket, {
      onAuthenticated: (connection) => {
        settle();
        const peerId = connection.peerId ?? '';
        const previous = this.#authenticated.get(peerId);
        this.#authenticated.set(peerId, connection);
        previous?.close();
        this.#options.onPeerAlive(peerId);
        this.#options.logger.debug({
          event: 'peer.accepted',
          peer: peerId,
          remote: connection.remote,
        });
      },
      onClosed: (connection) => {
        settle();
        const peerId = connection.peerId;
        if (peerId !== null && this.#authenticated.get(peerId) === connection) {
          this.#authenticated.delete(peerId);
        }
      },
    });
  }
}
