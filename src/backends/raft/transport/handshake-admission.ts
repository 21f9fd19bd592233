import { isIP } from 'node:net';
import type { PeerRefusalReason } from '../../../core/election-events.js';

export interface HandshakeAdmissionLimits {
  /** Connections from addresses not known as a peer's that may be mid-handshake at once. */
  readonly maxPending: number;
  /** Connections from any one address that may be mid-handshake at once, a peer's included. */
  readonly maxPendingPerAddress: number;
  /** Peer addresses remembered, one per member ID; the oldest is forgotten beyond this. */
  readonly maxPeerAddresses: number;
}

export type Admission =
  /** Admitted: call `release` exactly once when the handshake ends (authenticated or closed). */
  | { readonly isAdmitted: true; readonly release: () => void }
  | {
      readonly isAdmitted: false;
      readonly reason: PeerRefusalReason;
      readonly pendingHandshakes: number;
      readonly pendingFromRemote: number;
    };

/**
 * Decides whether an inbound connection may start its handshake. A process without the secret
 * can open sockets and stay silent until the handshake timeout; capped in total, such sockets
 * from a few addresses would take every slot and lock the real peers out. So the addresses of
 * the configured peers (where this member dials them, and where a connection last proved the
 * secret from) have slots of their own: only the per-address cap applies to them, and the
 * shared pool is for every other address. A peer whose address changed (a rescheduled pod)
 * competes in the shared pool until this member resolves or hears from it again.
 */
export class HandshakeAdmission {
  readonly #limits: HandshakeAdmissionLimits;
  #pendingUnknown = 0;
  readonly #pendingByAddress = new Map<string, number>();
  readonly #peerAddresses = new Map<string, string>();

  constructor(limits: HandshakeAdmissionLimits) {
    this.#limits = limits;
  }

  /** Remembers where `peerId` is (an IP address; host names are ignored, sockets never see them). */
  notePeerAddress(peerId: string, address: string): void {
    const normalized = normalizeAddress(address);
    if (isIP(normalized) === 0) return;
    this.#peerAddresses.delete(peerId);
    this.#peerAddresses.set(peerId, normalized);
    if (this.#peerAddresses.size > this.#limits.maxPeerAddresses) {
      const oldest = this.#peerAddresses.keys().next();
      if (oldest.done !== true) this.#peerAddresses.delete(oldest.value);
    }
  }

  /** Whether a connection from `remote` (as the socket reports it) may start a handshake now. */
  admit(remote: string): Admission {
    const address = normalizeAddress(remote);
    const fromRemote = this.#pendingByAddress.get(address) ?? 0;
    const isPeer = this.#isPeerAddress(address);
    const refusal = (reason: PeerRefusalReason): Admission => ({
      isAdmitted: false,
      reason,
      pendingHandshakes: this.#pendingUnknown,
      pendingFromRemote: fromRemote,
    });
    if (fromRemote >= this.#limits.maxPendingPerAddress) return refusal('address-limit');
    if (!isPeer && this.#pendingUnknown >= this.#limits.maxPending) {
      return refusal('handshake-limit');
    }
    if (!isPeer) this.#pendingUnknown += 1;
    this.#pendingByAddress.set(address, fromRemote + 1);
    let isPending = true;
    return {
      isAdmitted: true,
      release: () => {
        if (!isPending) return;
        isPending = false;
        if (!isPeer) this.#pendingUnknown -= 1;
        const left = (this.#pendingByAddress.get(address) ?? 1) - 1;
        if (left > 0) this.#pendingByAddress.set(address, left);
        else this.#pendingByAddress.delete(address);
      },
    };
  }

  #isPeerAddress(address: string): boolean {
    for (const known of this.#peerAddresses.values()) if (known === address) return true;
    return false;
  }
}

/** An IPv4 peer reaching a dual-stack listener shows as ::ffff:a.b.c.d; both name one host. */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}
