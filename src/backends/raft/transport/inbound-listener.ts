import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { ElectorError } from '../../../core/errors.js';
import type { PeerConnection } from './connection.js';
import { HandshakeAdmission, type Admission } from './handshake-admission.js';
import type { OutboundHooks, PeerAddress } from './outbound-peer.js';
import type { TrafficReporter } from './traffic-reporter.js';

export interface InboundListenerOptions {
  /** Connections from addresses other than the peers' that may be mid-handshake at once. */
  readonly maxPendingHandshakes: number;
  /** The same from one remote address, so one host cannot take every slot. */
  readonly maxPendingHandshakesPerAddress: number;
  /** Peer addresses remembered for their reserved handshake slots (see HandshakeAdmission). */
  readonly maxPeers: number;
  readonly logger: Logger;
  readonly reporter: TrafficReporter;
  /** Wraps an accepted socket in an acceptor-side connection. */
  readonly openConnection: (socket: Socket, hooks: OutboundHooks) => PeerConnection;
  /** A peer authenticated an inbound connection: it is alive. */
  readonly onPeerAlive: (peerId: string) => void;
}

/**
 * The listening socket. It caps the connections still in their handshake, in total and per
 * remote address, with slots of their own for the peers' addresses (a flood of silent sockets
 * cannot exhaust memory, nor lock the real peers out: see HandshakeAdmission), and keeps only
 * the newest authenticated connection per peer: a peer that restarted leaves a half-open old
 * connection, which is closed when the new one authenticates.
 */
export class InboundListener {
  readonly #options: InboundListenerOptions;
  readonly #server: Server;
  readonly #authenticated = new Map<string, PeerConnection>();
  readonly #admission: HandshakeAdmission;
  #isClosed = false;

  constructor(options: InboundListenerOptions) {
    this.#options = options;
    this.#admission = new HandshakeAdmission({
      maxPending: options.maxPendingHandshakes,
      maxPendingPerAddress: options.maxPendingHandshakesPerAddress,
      maxPeerAddresses: options.maxPeers,
    });
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

  /** The newest authenticated connection `peerId` dialled to this member, if it is open. */
  connectionFrom(peerId: string): PeerConnection | undefined {
    return this.#authenticated.get(peerId);
  }

  /** Remembers where `peerId` dials from, so its connections get the peers' reserved slots. */
  notePeerAddress(peerId: string, address: string): void {
    this.#admission.notePeerAddress(peerId, address);
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
    const admission: Admission = this.#isClosed
      ? { isAdmitted: false, reason: 'stopping', pendingHandshakes: 0, pendingFromRemote: 0 }
      : this.#admission.admit(remote);
    if (!admission.isAdmitted) {
      const { reason, pendingHandshakes, pendingFromRemote } = admission;
      this.#options.reporter.refused(remote, reason, { pendingHandshakes, pendingFromRemote });
      socket.destroy();
      return;
    }
    const settle = admission.release;
    this.#options.openConnection(socket, {
      onAuthenticated: (connection) => {
        settle();
        const peerId = connection.peerId ?? '';
        this.#admission.notePeerAddress(peerId, connection.remote);
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
