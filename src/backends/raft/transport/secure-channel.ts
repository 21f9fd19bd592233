import { randomBytes } from 'node:crypto';
import type { PeerDropReason } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import {
  decodeHello,
  encodeHello,
  nonceBytes,
  openFrameBody,
  sealFrameBody,
  type Direction,
  type FrameBinding,
} from './frame-auth.js';

/**
 * The handshake and frame authentication of one connection, without any I/O: frame bodies go
 * in, events come out. Both sides send a hello (member ID and a fresh nonce) at once. On the
 * peer's hello each side sends a proof: an empty sealed frame with sequence 0, whose MAC only
 * a holder of the cluster secret can compute for this pair of nonces. The peer counts as
 * authenticated when its proof verifies; every later frame must carry the next sequence.
 */
export type ConnectionRole = 'dialer' | 'acceptor';

export interface SecureChannelOptions {
  readonly role: ConnectionRole;
  readonly selfId: string;
  readonly secret: Uint8Array;
  /** Whether the member ID the peer claims in its hello may use this connection. */
  readonly isAcceptablePeer: (claimedId: string) => boolean;
  /** This side's nonce; fresh random bytes unless a test fixes it. */
  readonly nonce?: Uint8Array;
}

export type ChannelEvent =
  /** Send this frame body to the peer (the proof). */
  | { readonly type: 'send'; readonly body: Buffer }
  /** The peer proved it holds the secret; `peerId` is its verified member ID. */
  | { readonly type: 'authenticated'; readonly peerId: string }
  | { readonly type: 'payload'; readonly payload: Buffer }
  /** A frame was discarded; the connection stays usable. */
  | { readonly type: 'drop'; readonly reason: PeerDropReason; readonly detail: string }
  /** The handshake failed: close the connection. Later frames produce no events. */
  | { readonly type: 'close'; readonly reason: PeerDropReason; readonly detail: string };

type ChannelState = 'awaiting-hello' | 'awaiting-proof' | 'open' | 'closed';

export class SecureChannel {
  readonly #options: SecureChannelOptions;
  readonly #nonce: Buffer;
  #state: ChannelState = 'awaiting-hello';
  #peerId: string | null = null;
  #outbound: FrameBinding | null = null;
  #inbound: FrameBinding | null = null;
  #nextSendSequence = 0n;
  #nextReceiveSequence = 0n;

  constructor(options: SecureChannelOptions) {
    this.#options = options;
    this.#nonce = Buffer.from(options.nonce ?? randomBytes(nonceBytes));
    if (this.#nonce.byteLength !== nonceBytes) {
      throw new ElectorError('INTERNAL', `nonce: expected ${nonceBytes} bytes`);
    }
  }

  /** The first frame body this side sends. */
  helloBody(): Buffer {
    return encodeHello({ memberId: this.#options.selfId, nonce: this.#nonce });
  }

  /** The peer's member ID once its hello was accepted (verified only once `isAuthenticated`). */
  get peerId(): string | null {
    return this.#peerId;
  }

  get isAuthenticated(): boolean {
    return this.#state === 'open';
  }

  /** Handles one frame body from the peer. Never throws. */
  receive(body: Uint8Array): readonly ChannelEvent[] {
    switch (this.#state) {
      case 'awaiting-hello':
        return this.#receiveHello(body);
      case 'awaiting-proof':
        return this.#receiveProof(body);
      case 'open':
        return this.#receiveSealed(body);
      case 'closed':
        return [];
    }
  }

  /** Seals a payload as the next frame body. Throws INTERNAL before the handshake finished. */
  seal(payload: Uint8Array): Buffer {
    if (this.#state !== 'open' || this.#outbound === null) {
      throw new ElectorError('INTERNAL', `cannot send on a channel in state ${this.#state}`);
    }
    return this.#sealNext(this.#outbound, payload);
  }

  #receiveHello(body: Uint8Array): readonly ChannelEvent[] {
    const decoded = decodeHello(body);
    if (!decoded.ok) return this.#close('malformed', decoded.detail);
    const { memberId, nonce } = decoded.hello;
    if (memberId === this.#options.selfId || !this.#options.isAcceptablePeer(memberId)) {
      return this.#close('unknown-peer', `hello from "${memberId}", which is not a peer here`);
    }
    this.#peerId = memberId;
    const outgoing: Direction =
      this.#options.role === 'dialer' ? 'dialer-to-acceptor' : 'acceptor-to-dialer';
    const incoming: Direction =
      this.#options.role === 'dialer' ? 'acceptor-to-dialer' : 'dialer-to-acceptor';
    this.#outbound = {
      direction: outgoing,
      senderId: this.#options.selfId,
      receiverId: memberId,
      senderNonce: this.#nonce,
      receiverNonce: nonce,
    };
    this.#inbound = {
      direction: incoming,
      senderId: memberId,
      receiverId: this.#options.selfId,
      senderNonce: nonce,
      receiverNonce: this.#nonce,
    };
    this.#state = 'awaiting-proof';
    return [{ type: 'send', body: this.#sealNext(this.#outbound, Buffer.alloc(0)) }];
  }

  #receiveProof(body: Uint8Array): readonly ChannelEvent[] {
    const opened = this.#open(body);
    if (!opened.ok) {
      return this.#close(
        opened.reason,
        `handshake proof from "${this.#peerId ?? '?'}": ${opened.detail}`,
      );
    }
    if (opened.payload.byteLength !== 0) {
      return this.#close('malformed', 'handshake proof carries a payload');
    }
    this.#state = 'open';
    return [{ type: 'authenticated', peerId: this.#peerId ?? '' }];
  }

  #receiveSealed(body: Uint8Array): readonly ChannelEvent[] {
    const opened = this.#open(body);
    if (!opened.ok) return [{ type: 'drop', reason: opened.reason, detail: opened.detail }];
    return [{ type: 'payload', payload: opened.payload }];
  }

  #open(body: Uint8Array): ReturnType<typeof openFrameBody> {
    if (this.#inbound === null) {
      return { ok: false, reason: 'unauthenticated', detail: 'no hello received' };
    }
    const opened = openFrameBody(
      this.#options.secret,
      this.#inbound,
      this.#nextReceiveSequence,
      body,
    );
    // Only a genuine frame advances the sequence, so a forged one cannot desynchronise the stream.
    if (opened.ok) this.#nextReceiveSequence += 1n;
    return opened;
  }

  #sealNext(binding: FrameBinding, payload: Uint8Array): Buffer {
    const body = sealFrameBody(this.#options.secret, binding, this.#nextSendSequence, payload);
    this.#nextSendSequence += 1n;
    return body;
  }

  #close(reason: PeerDropReason, detail: string): readonly ChannelEvent[] {
    this.#state = 'closed';
    return [{ type: 'close', reason, detail }];
  }
}
