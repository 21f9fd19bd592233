// A bounded fuzz of what an inbound peer connection reads before and after its handshake: the
// frame reader, the handshake and frame authentication together, as PeerConnection runs them
// on a socket. Whatever arrives, in whatever chunks, nothing throws, nothing is accepted from a
// sender without the secret, and every bad frame is dropped and reported (so it is counted).
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { PeerConnection } from '../../../../src/backends/raft/transport/connection.js';
import {
  decodeHello,
  encodeHello,
  sealedHeaderBytes,
} from '../../../../src/backends/raft/transport/frame-auth.js';
import { encodeFrame, FrameReader } from '../../../../src/backends/raft/transport/frame-reader.js';
import { SecureChannel } from '../../../../src/backends/raft/transport/secure-channel.js';

const secret = Buffer.alloc(32, 0x5a);
const maxFrameBytes = 4096;
const fuzzRuns = { streams: 400, afterHandshake: 300 } as const;

/** The parts of a net.Socket PeerConnection uses, in memory: what it writes is kept. */
class MemorySocket extends Duplex {
  readonly written: Buffer[] = [];
  readonly remoteAddress = '127.0.0.9';
  readonly connecting = false;

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {
    // Data arrives only through feed().
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.written.push(chunk);
    done();
  }

  feed(chunk: Uint8Array): void {
    this.emit('data', Buffer.from(chunk));
  }
}

/** What the connection reported so far; the counts grow as more is fed. */
interface Outcome {
  readonly drops: string[];
  readonly counts: { payloads: number; authenticated: number };
  readonly connection: PeerConnection;
  readonly socket: MemorySocket;
}

/** An acceptor-side connection on a memory socket, fed `chunks`; records every event. */
function acceptorFed(chunks: readonly Uint8Array[], channelSecret: Uint8Array = secret): Outcome {
  const socket = new MemorySocket();
  const drops: string[] = [];
  const counts = { payloads: 0, authenticated: 0 };
  const connection = new PeerConnection({
    // The real socket type is only duck-typed by PeerConnection.
    socket: socket as unknown as ConstructorParameters<typeof PeerConnection>[0]['socket'],
    channel: new SecureChannel({
      role: 'acceptor',
      selfId: 'a',
      secret: channelSecret,
      isAcceptablePeer: (id) => id !== 'a',
    }),
    maxFrameBytes,
    handshakeTimeoutMs: 60_000,
    maxBufferedBytes: 1 << 20,
    keepaliveIntervalMs: null,
    idleTimeoutMs: null,
    logger: pino({ level: 'silent' }),
    events: {
      onAuthenticated: () => {
        counts.authenticated += 1;
      },
      onPayload: () => {
        counts.payloads += 1;
      },
      onDrop: (_connection, reason) => {
        drops.push(reason);
      },
      onClosed: () => undefined,
    },
  });
  for (const chunk of chunks) socket.feed(chunk);
  return { drops, counts, connection, socket };
}

/** Splits `bytes` at the given cut points (any numbers; taken modulo the length). */
function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [
    ...new Set(cuts.map((cut) => (bytes.byteLength === 0 ? 0 : cut % bytes.byteLength))),
  ]
    .filter((point) => point > 0)
    .sort((left, right) => left - right);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks.filter((chunk) => chunk.byteLength > 0);
}

/** Whether the stream holds something the connection must drop: a bad frame or a bad hello. */
function mustDrop(bytes: Uint8Array): boolean {
  const { frames, error } = new FrameReader(maxFrameBytes).push(bytes);
  const [first] = frames;
  return (
    error !== undefined || frames.length >= 2 || (first !== undefined && !decodeHello(first).ok)
  );
}

/** Frame bodies of every size class: short of the 40-byte seal header, a bare seal, longer. */
const frameBodies = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: sealedHeaderBytes - 1 }),
  fc.uint8Array({ minLength: sealedHeaderBytes, maxLength: sealedHeaderBytes }),
  fc.uint8Array({ minLength: sealedHeaderBytes + 1, maxLength: 300 }),
);

const hello = encodeFrame(encodeHello({ memberId: 'b', nonce: Buffer.alloc(32, 7) }));

/** Streams a process without the secret might send: noise, frames of noise, a hello then noise. */
const hostileStreams = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 3000 }),
  fc
    .array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 6 })
    .map((bodies) => Buffer.concat(bodies.map((body) => encodeFrame(body)))),
  fc.uint8Array({ maxLength: 400 }).map((tail) => Buffer.concat([hello, tail])),
  fc
    .array(frameBodies, { minLength: 1, maxLength: 4 })
    .map((bodies) => Buffer.concat([hello, ...bodies.map((body) => encodeFrame(body))])),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 64 })).map(([length, tail]) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(length);
    return Buffer.concat([hello, header, tail]);
  }),
);

describe('fuzz: inbound peer bytes through frame reader, handshake and frame authentication', () => {
  test('from a sender without the secret: no throw, nothing accepted, every bad frame dropped and reported', () => {
    fc.assert(
      fc.property(hostileStreams, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const outcome = acceptorFed(chunked(bytes, cuts));
        try {
          assert.equal(outcome.counts.authenticated, 0, 'never authenticated');
          assert.equal(outcome.counts.payloads, 0, 'never delivered a payload');
          if (mustDrop(bytes)) {
            assert.ok(outcome.drops.length >= 1, 'the bad input was reported as dropped');
            assert.equal(outcome.connection.isClosed, true, 'and the connection closed');
          }
        } finally {
          outcome.connection.close();
        }
      }),
      { numRuns: fuzzRuns.streams },
    );
  });

  test('after a genuine handshake: random frames are dropped one by one and never delivered, and the connection stays usable', () => {
    fc.assert(
      fc.property(fc.array(frameBodies, { minLength: 1, maxLength: 6 }), (bodies) => {
        const dialer = new SecureChannel({
          role: 'dialer',
          selfId: 'b',
          secret,
          isAcceptablePeer: (id) => id === 'a',
        });
        const outcome = acceptorFed([encodeFrame(dialer.helloBody())]);
        try {
          const fromAcceptor = new FrameReader(maxFrameBytes).push(
            Buffer.concat(outcome.socket.written),
          ).frames;
          for (const body of fromAcceptor) {
            for (const event of dialer.receive(body)) {
              if (event.type === 'send') outcome.socket.feed(encodeFrame(event.body));
            }
          }
          assert.equal(outcome.counts.authenticated, 1, 'the genuine dialer authenticated');
          for (const body of bodies) outcome.socket.feed(encodeFrame(body));
          assert.equal(outcome.counts.payloads, 0, 'no forged frame delivered');
          assert.equal(
            outcome.drops.length,
            bodies.length,
            'each forged frame dropped and reported',
          );
          outcome.socket.feed(encodeFrame(dialer.seal(Buffer.from('genuine'))));
          assert.equal(outcome.counts.payloads, 1, 'a genuine frame still gets through');
        } finally {
          outcome.connection.close();
        }
      }),
      { numRuns: fuzzRuns.afterHandshake },
    );
  });
});
