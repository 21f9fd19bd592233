import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ElectorError } from '../../../../src/core/errors.js';
import {
  computeFrameMac,
  encodeHello,
  macBytes,
  sealFrameBody,
  sequenceBytes,
  type FrameBinding,
} from '../../../../src/backends/raft/transport/frame-auth.js';
import {
  SecureChannel,
  type ChannelEvent,
  type ConnectionRole,
} from '../../../../src/backends/raft/transport/secure-channel.js';

const secret = Buffer.alloc(32, 7);
const otherSecret = Buffer.alloc(32, 8);

function makeChannel(
  role: ConnectionRole,
  selfId: string,
  peers: readonly string[],
  key: Uint8Array = secret,
): SecureChannel {
  return new SecureChannel({
    role,
    selfId,
    secret: key,
    isAcceptablePeer: (id) => peers.includes(id),
  });
}

interface Handshake {
  readonly dialerEvents: ChannelEvent[];
  readonly acceptorEvents: ChannelEvent[];
  /** Every frame body the dialer sent, hello first. */
  readonly dialerSent: Buffer[];
}

/** Exchanges hellos and whatever the channels answer until neither has anything left to send. */
function runHandshake(dialer: SecureChannel, acceptor: SecureChannel): Handshake {
  const result: Handshake = { dialerEvents: [], acceptorEvents: [], dialerSent: [] };
  let toAcceptor = [dialer.helloBody()];
  let toDialer = [acceptor.helloBody()];
  result.dialerSent.push(...toAcceptor);
  while (toAcceptor.length > 0 || toDialer.length > 0) {
    const nextToAcceptor: Buffer[] = [];
    const nextToDialer: Buffer[] = [];
    for (const body of toAcceptor) {
      for (const event of acceptor.receive(body)) {
        result.acceptorEvents.push(event);
        if (event.type === 'send') nextToDialer.push(event.body);
      }
    }
    for (const body of toDialer) {
      for (const event of dialer.receive(body)) {
        result.dialerEvents.push(event);
        if (event.type === 'send') nextToAcceptor.push(event.body);
      }
    }
    result.dialerSent.push(...nextToAcceptor);
    toAcceptor = nextToAcceptor;
    toDialer = nextToDialer;
  }
  return result;
}

function openPair(): { dialer: SecureChannel; acceptor: SecureChannel; handshake: Handshake } {
  const dialer = makeChannel('dialer', 'a', ['b']);
  const acceptor = makeChannel('acceptor', 'b', ['a', 'c']);
  const handshake = runHandshake(dialer, acceptor);
  return { dialer, acceptor, handshake };
}

const payloads = (events: readonly ChannelEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'payload' ? [event.payload.toString('utf8')] : []));
const reasons = (events: readonly ChannelEvent[]): string[] =>
  events.flatMap((event) =>
    event.type === 'drop' || event.type === 'close' ? [`${event.type}:${event.reason}`] : [],
  );

describe('handshake and frame authentication', () => {
  test('two members with the same secret authenticate each other and exchange payloads', () => {
    const { dialer, acceptor, handshake } = openPair();
    assert.deepEqual(
      handshake.acceptorEvents.filter((event) => event.type === 'authenticated'),
      [{ type: 'authenticated', peerId: 'a' }],
    );
    assert.ok(handshake.dialerEvents.some((event) => event.type === 'authenticated'));
    assert.ok(dialer.isAuthenticated && acceptor.isAuthenticated);
    assert.deepEqual(payloads(acceptor.receive(dialer.seal(Buffer.from('one')))), ['one']);
    assert.deepEqual(payloads(acceptor.receive(dialer.seal(Buffer.from('two')))), ['two']);
    assert.deepEqual(payloads(dialer.receive(acceptor.seal(Buffer.from('back')))), ['back']);
  });

  test('a member with the wrong secret is refused by both sides and never delivers a payload', () => {
    const dialer = makeChannel('dialer', 'a', ['b'], otherSecret);
    const acceptor = makeChannel('acceptor', 'b', ['a']);
    const handshake = runHandshake(dialer, acceptor);
    assert.deepEqual(reasons(handshake.acceptorEvents), ['close:unauthenticated']);
    assert.deepEqual(reasons(handshake.dialerEvents), ['close:unauthenticated']);
    assert.equal(acceptor.isAuthenticated, false);
    assert.throws(() => dialer.seal(Buffer.from('x')), ElectorError);
    // Even a frame sealed as if the handshake had passed is not delivered once closed.
    assert.deepEqual(acceptor.receive(Buffer.alloc(100)), []);
  });

  test('a hello from a member that is not a peer closes the connection as unknown-peer', () => {
    const dialer = makeChannel('dialer', 'z', ['b']);
    const acceptor = makeChannel('acceptor', 'b', ['a']);
    const handshake = runHandshake(dialer, acceptor);
    assert.deepEqual(reasons(handshake.acceptorEvents), ['close:unknown-peer']);
  });

  test('a dialer reaching a different member than it dialled closes the connection', () => {
    const dialer = makeChannel('dialer', 'a', ['b']);
    const acceptor = makeChannel('acceptor', 'c', ['a']);
    const handshake = runHandshake(dialer, acceptor);
    assert.deepEqual(reasons(handshake.dialerEvents), ['close:unknown-peer']);
  });

  test('a hello claiming to be this very member is refused', () => {
    const acceptor = makeChannel('acceptor', 'b', ['a', 'b']);
    const events = acceptor.receive(encodeHello({ memberId: 'b', nonce: Buffer.alloc(32, 1) }));
    assert.deepEqual(reasons(events), ['close:unknown-peer']);
  });

  const badHellos: readonly [string, Buffer][] = [
    ['is too short', Buffer.from('ELPR')],
    [
      'has the wrong magic',
      Buffer.concat([Buffer.from('HTTP'), Buffer.alloc(33), Buffer.from('a')]),
    ],
    [
      'has another version',
      Buffer.concat([Buffer.from('ELPR'), Buffer.from([2]), Buffer.alloc(32), Buffer.from('a')]),
    ],
    [
      'has a member ID that is not UTF-8',
      Buffer.concat([
        Buffer.from('ELPR'),
        Buffer.from([1]),
        Buffer.alloc(32),
        Buffer.from([0xff, 0xfe]),
      ]),
    ],
    [
      'has an overlong member ID',
      Buffer.concat([
        Buffer.from('ELPR'),
        Buffer.from([1]),
        Buffer.alloc(32),
        Buffer.alloc(254, 0x61),
      ]),
    ],
  ];
  for (const [what, body] of badHellos) {
    test(`a hello that ${what} closes the connection as malformed`, () => {
      const acceptor = makeChannel('acceptor', 'b', ['a']);
      assert.deepEqual(reasons(acceptor.receive(body)), ['close:malformed']);
    });
  }

  test('a proof that carries a payload is refused', () => {
    const acceptor = makeChannel('acceptor', 'b', ['a']);
    const nonce = Buffer.alloc(32, 3);
    acceptor.receive(encodeHello({ memberId: 'a', nonce }));
    const helloOfAcceptor = acceptor.helloBody();
    const binding: FrameBinding = {
      direction: 'dialer-to-acceptor',
      senderId: 'a',
      receiverId: 'b',
      senderNonce: nonce,
      receiverNonce: helloOfAcceptor.subarray(5, 37),
    };
    const proof = sealFrameBody(secret, binding, 0n, Buffer.from('hi'));
    assert.deepEqual(reasons(acceptor.receive(proof)), ['close:malformed']);
  });

  test('a frame replayed on the same connection is dropped, and the stream goes on', () => {
    const { dialer, acceptor } = openPair();
    const first = dialer.seal(Buffer.from('first'));
    const second = dialer.seal(Buffer.from('second'));
    assert.deepEqual(payloads(acceptor.receive(first)), ['first']);
    assert.deepEqual(reasons(acceptor.receive(first)), ['drop:unauthenticated']);
    assert.deepEqual(payloads(acceptor.receive(second)), ['second']);
  });

  test('frames delivered out of order are dropped', () => {
    const { dialer, acceptor } = openPair();
    dialer.seal(Buffer.from('skipped'));
    const later = dialer.seal(Buffer.from('later'));
    assert.deepEqual(reasons(acceptor.receive(later)), ['drop:unauthenticated']);
  });

  test('a whole connection replayed against a new one fails at the proof', () => {
    const { handshake } = openPair();
    const freshAcceptor = makeChannel('acceptor', 'b', ['a']);
    const events = handshake.dialerSent.flatMap((body) => freshAcceptor.receive(body));
    assert.deepEqual(reasons(events), ['close:unauthenticated']);
    assert.equal(payloads(events).length, 0);
    assert.equal(freshAcceptor.isAuthenticated, false);
  });

  test('a frame reflected back to its sender is dropped', () => {
    const { dialer } = openPair();
    const own = dialer.seal(Buffer.from('mine'));
    assert.deepEqual(reasons(dialer.receive(own)), ['drop:unauthenticated']);
  });

  test('flipping any bit of a sealed frame makes it fail, and the genuine frame still passes (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), fc.nat(), (text, position) => {
        const { dialer, acceptor } = openPair();
        const genuine = dialer.seal(Buffer.from(text));
        const tampered = Buffer.from(genuine);
        const bit = position % (tampered.byteLength * 8);
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        assert.equal(payloads(acceptor.receive(tampered)).length, 0);
        assert.deepEqual(payloads(acceptor.receive(genuine)), [text]);
      }),
      { numRuns: 300 },
    );
  });

  test('random frame bodies never throw and never authenticate or deliver (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 6 }), (bodies) => {
        const acceptor = makeChannel('acceptor', 'b', ['a']);
        const opened = openPair().acceptor;
        for (const body of bodies) {
          for (const event of [...acceptor.receive(body), ...opened.receive(body)]) {
            assert.ok(event.type !== 'payload' && event.type !== 'authenticated', event.type);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a valid hello followed by random frames never authenticates (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (bodies) => {
        const acceptor = makeChannel('acceptor', 'b', ['a']);
        const events = [
          ...acceptor.receive(encodeHello({ memberId: 'a', nonce: Buffer.alloc(32, 9) })),
          ...bodies.flatMap((body) => acceptor.receive(body)),
        ];
        assert.ok(
          !events.some((event) => event.type === 'authenticated' || event.type === 'payload'),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('the MAC covers direction, both nonces, both member IDs, the sequence and the payload', () => {
    const binding: FrameBinding = {
      direction: 'dialer-to-acceptor',
      senderId: 'a',
      receiverId: 'b',
      senderNonce: Buffer.alloc(32, 1),
      receiverNonce: Buffer.alloc(32, 2),
    };
    const payload = Buffer.from('payload');
    const reference = computeFrameMac(secret, binding, 5n, payload);
    assert.equal(reference.byteLength, macBytes);
    const variants: readonly [string, Buffer][] = [
      ['secret', computeFrameMac(otherSecret, binding, 5n, payload)],
      [
        'direction',
        computeFrameMac(secret, { ...binding, direction: 'acceptor-to-dialer' }, 5n, payload),
      ],
      [
        'sender nonce',
        computeFrameMac(secret, { ...binding, senderNonce: Buffer.alloc(32, 3) }, 5n, payload),
      ],
      [
        'receiver nonce',
        computeFrameMac(secret, { ...binding, receiverNonce: Buffer.alloc(32, 3) }, 5n, payload),
      ],
      [
        'swapped nonces',
        computeFrameMac(
          secret,
          { ...binding, senderNonce: binding.receiverNonce, receiverNonce: binding.senderNonce },
          5n,
          payload,
        ),
      ],
      ['sender ID', computeFrameMac(secret, { ...binding, senderId: 'c' }, 5n, payload)],
      ['receiver ID', computeFrameMac(secret, { ...binding, receiverId: 'c' }, 5n, payload)],
      [
        'ID boundary',
        computeFrameMac(secret, { ...binding, senderId: 'ab', receiverId: '' }, 5n, payload),
      ],
      ['sequence', computeFrameMac(secret, binding, 6n, payload)],
      ['payload', computeFrameMac(secret, binding, 5n, Buffer.from('payloaD'))],
    ];
    for (const [field, mac] of variants) {
      assert.notDeepEqual(mac, reference, `changing the ${field} must change the MAC`);
    }
    const sealed = sealFrameBody(secret, binding, 5n, payload);
    assert.equal(sealed.readBigUInt64BE(0), 5n);
    assert.deepEqual(sealed.subarray(sequenceBytes, sequenceBytes + macBytes), reference);
  });

  test('a fixed frame has the MAC protocol version 1 has always given it, so mixed versions interoperate', () => {
    const binding: FrameBinding = {
      direction: 'acceptor-to-dialer',
      senderId: 'member-1',
      receiverId: 'member-0',
      senderNonce: Buffer.alloc(32, 7),
      receiverNonce: Buffer.alloc(32, 9),
    };
    const knownSecret = Buffer.from('cluster secret for a known answer');
    const payload = Buffer.from('{"type":"heartbeat"}');
    const expected = '8fff0776dc6b3a8da2666f4246fb5ab171b1cce218a233bb0ebd6464e899e097';
    // Twice with the same binding object (its MAC prefix is then reused) and once with a copy.
    for (const used of [binding, binding, { ...binding }]) {
      assert.equal(computeFrameMac(knownSecret, used, 42n, payload).toString('hex'), expected);
    }
  });
});
