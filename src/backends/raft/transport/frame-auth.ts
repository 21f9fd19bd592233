import { createHmac, timingSafeEqual } from 'node:crypto';
import { maxMemberIdLength } from './wire.js';

/**
 * Frame bodies of the peer protocol (see secure-channel.ts for the handshake):
 *
 *   hello  = magic "ELPR" | version u8 | nonce (32 bytes) | member ID (UTF-8, 1..253 bytes)
 *   sealed = sequence u64be | HMAC-SHA256 (32 bytes) | payload
 *
 * The MAC is keyed with the cluster secret and covers a domain label, the direction, the
 * receiver's nonce, the sender's nonce, both member IDs, the sequence and the payload. The
 * nonces are fresh per connection, so a frame captured on one connection fails on any other;
 * the sequence must be exactly the next one expected, so a frame cannot be replayed or
 * reordered within its connection; the direction and nonce order stop a frame being reflected
 * back to its sender.
 */
const helloMagic = Buffer.from('ELPR', 'ascii');
const protocolVersion = 1;
export const nonceBytes = 32;
export const macBytes = 32;
export const sequenceBytes = 8;
export const sealedHeaderBytes = sequenceBytes + macBytes;
const helloHeaderBytes = helloMagic.byteLength + 1 + nonceBytes;
const macDomain = Buffer.from('elector peer frame v1\0', 'ascii');

export type Direction = 'dialer-to-acceptor' | 'acceptor-to-dialer';

export interface Hello {
  readonly memberId: string;
  readonly nonce: Buffer;
}

/** Everything a frame's MAC binds it to besides its sequence and payload. */
export interface FrameBinding {
  readonly direction: Direction;
  readonly senderId: string;
  readonly receiverId: string;
  readonly senderNonce: Uint8Array;
  readonly receiverNonce: Uint8Array;
}

export type OpenResult =
  | { readonly ok: true; readonly payload: Buffer }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'unauthenticated';
      readonly detail: string;
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The hello body announcing `hello.memberId`; the ID must be 1..253 bytes of UTF-8. */
export function encodeHello(hello: Hello): Buffer {
  const id = Buffer.from(hello.memberId, 'utf8');
  return Buffer.concat([helloMagic, Buffer.from([protocolVersion]), hello.nonce, id]);
}

/** Parses a hello body, or says what is wrong with it. Never throws. */
export function decodeHello(
  body: Uint8Array,
): { readonly ok: true; readonly hello: Hello } | { readonly ok: false; readonly detail: string } {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.byteLength <= helloHeaderBytes) {
    return { ok: false, detail: `hello of ${bytes.byteLength} bytes is too short` };
  }
  if (!bytes.subarray(0, helloMagic.byteLength).equals(helloMagic)) {
    return { ok: false, detail: 'hello does not start with the protocol magic' };
  }
  const version = bytes[helloMagic.byteLength];
  if (version !== protocolVersion) {
    return {
      ok: false,
      detail: `protocol version ${String(version)}; expected ${protocolVersion}`,
    };
  }
  const idBytes = bytes.subarray(helloHeaderBytes);
  if (idBytes.byteLength > maxMemberIdLength) {
    return { ok: false, detail: `member ID of ${idBytes.byteLength} bytes is too long` };
  }
  let memberId: string;
  try {
    memberId = utf8.decode(idBytes);
  } catch (error) {
    return { ok: false, detail: `member ID is not UTF-8: ${String(error)}` };
  }
  const nonce = Buffer.from(bytes.subarray(helloMagic.byteLength + 1, helloHeaderBytes));
  return { ok: true, hello: { memberId, nonce } };
}

/** HMAC-SHA256, keyed with the cluster secret, over everything a frame is bound to. */
export function computeFrameMac(
  secret: Uint8Array,
  binding: FrameBinding,
  sequence: bigint,
  payload: Uint8Array,
): Buffer {
  const sequenceField = Buffer.allocUnsafe(sequenceBytes);
  sequenceField.writeBigUInt64BE(sequence);
  return createHmac('sha256', secret)
    .update(bindingPrefix(binding))
    .update(sequenceField)
    .update(payload)
    .digest();
}

/**
 * A connection keeps its two bindings for its whole life, so the MAC input they contribute is
 * built once per binding, not once per frame.
 */
const bindingPrefixes = new WeakMap<FrameBinding, Buffer>();

function bindingPrefix(binding: FrameBinding): Buffer {
  let prefix = bindingPrefixes.get(binding);
  if (prefix === undefined) {
    prefix = Buffer.concat([
      macDomain,
      Buffer.from([binding.direction === 'dialer-to-acceptor' ? 1 : 2]),
      binding.receiverNonce,
      binding.senderNonce,
      lengthPrefixed(binding.senderId),
      lengthPrefixed(binding.receiverId),
    ]);
    bindingPrefixes.set(binding, prefix);
  }
  return prefix;
}

/** The sealed body carrying `payload` as frame number `sequence` of `binding`'s direction. */
export function sealFrameBody(
  secret: Uint8Array,
  binding: FrameBinding,
  sequence: bigint,
  payload: Uint8Array,
): Buffer {
  const body = Buffer.allocUnsafe(sealedHeaderBytes + payload.byteLength);
  body.writeBigUInt64BE(sequence);
  computeFrameMac(secret, binding, sequence, payload).copy(body, sequenceBytes);
  body.set(payload, sealedHeaderBytes);
  return body;
}

/**
 * Checks a sealed body's MAC, then that its sequence is `expectedSequence`. Never throws.
 * The MAC comparison takes the same time wherever the first differing byte is.
 */
export function openFrameBody(
  secret: Uint8Array,
  binding: FrameBinding,
  expectedSequence: bigint,
  body: Uint8Array,
): OpenResult {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.byteLength < sealedHeaderBytes) {
    return {
      ok: false,
      reason: 'malformed',
      detail: `sealed frame of ${bytes.byteLength} bytes is shorter than its header`,
    };
  }
  const sequence = bytes.readBigUInt64BE(0);
  const mac = bytes.subarray(sequenceBytes, sealedHeaderBytes);
  const payload = bytes.subarray(sealedHeaderBytes);
  const expectedMac = computeFrameMac(secret, binding, sequence, payload);
  if (!timingSafeEqual(mac, expectedMac)) {
    return { ok: false, reason: 'unauthenticated', detail: 'frame MAC does not verify' };
  }
  if (sequence !== expectedSequence) {
    return {
      ok: false,
      reason: 'unauthenticated',
      detail: `sequence ${sequence}, expected ${expectedSequence} (replayed or reordered frame)`,
    };
  }
  return { ok: true, payload: Buffer.from(payload) };
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(bytes.byteLength);
  return Buffer.concat([prefix, bytes]);
}
