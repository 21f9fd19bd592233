import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ElectorError } from '../../../../src/core/errors.js';
import { peerMessageTypes, type PeerMessage } from '../../../../src/core/raft/messages.js';
import {
  decodePeerMessage,
  encodePeerMessage,
  maxMemberIdLength,
  maxPeerMessageBytes,
  tryEncodePeerMessage,
} from '../../../../src/backends/raft/transport/wire.js';
import { arbitraryPeerMessage, sampleMessages } from './peer-messages.js';

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const jsonBytes = (value: unknown): Uint8Array => bytesOf(JSON.stringify(value));

describe('wire format of peer messages', () => {
  test('every message type survives encoding and decoding unchanged', () => {
    assert.deepEqual(
      [...new Set(sampleMessages.map((message) => message.type))].sort(),
      [...peerMessageTypes].sort(),
      'the samples cover every message type',
    );
    for (const message of sampleMessages) {
      const decoded = decodePeerMessage(encodePeerMessage(message));
      assert.deepEqual(decoded, { ok: true, message });
    }
  });

  test('any valid message round-trips (property)', () => {
    fc.assert(
      fc.property(arbitraryPeerMessage, (message) => {
        assert.deepEqual(decodePeerMessage(encodePeerMessage(message)), { ok: true, message });
      }),
    );
  });

  test('bytes over the size limit are dropped as oversize before being parsed', () => {
    const padded = bytesOf(`{"type":"vote"${' '.repeat(maxPeerMessageBytes)}}`);
    const result = decodePeerMessage(padded);
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'oversize');
    const valid = encodePeerMessage(sampleMessages[0] as PeerMessage);
    const tight = decodePeerMessage(valid, valid.byteLength - 1);
    assert.equal(!tight.ok && tight.reason, 'oversize');
    assert.equal(decodePeerMessage(valid, valid.byteLength).ok, true);
  });

  const configurationId = { index: 2, term: 3 };
  const vote = { type: 'vote', from: 'a', to: 'b', term: 3, transfer: false, configurationId };
  const heartbeat = {
    type: 'heartbeat',
    from: 'a',
    to: 'b',
    term: 3,
    sentAt: 12.5,
    configurationId,
    commitIndex: 2,
    desireTag: null,
  };
  const configuration = { index: 2, term: 3, version: 2, voters: ['a', 'b', 'c'], outgoing: null };
  const malformedCases: readonly [string, Uint8Array, string][] = [
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), 'unknown'],
    ['truncated JSON', bytesOf('{"type":"vote","from":"a"'), 'unknown'],
    ['an empty payload', new Uint8Array(0), 'unknown'],
    ['a JSON number', bytesOf('42'), 'unknown'],
    ['a JSON array', bytesOf('[1,2]'), 'unknown'],
    ['null', bytesOf('null'), 'unknown'],
    ['an unknown type', jsonBytes({ ...vote, type: 'append-entries' }), 'unknown'],
    ['a missing field', jsonBytes({ type: 'vote', from: 'a', to: 'b', term: 3 }), 'vote'],
    [
      'a vote without its configuration',
      jsonBytes({ ...vote, configurationId: undefined }),
      'vote',
    ],
    ['an extra field', jsonBytes({ ...vote, leaderCommit: 4 }), 'vote'],
    [
      'a __proto__ key',
      bytesOf('{"type":"vote","from":"a","to":"b","term":3,"transfer":false,"__proto__":{"x":1}}'),
      'vote',
    ],
    ['a negative term', jsonBytes({ ...vote, term: -1 }), 'vote'],
    ['a fractional term', jsonBytes({ ...vote, term: 1.5 }), 'vote'],
    ['a term beyond the safe integers', jsonBytes({ ...vote, term: 2 ** 53 }), 'vote'],
    ['a term given as a string', jsonBytes({ ...vote, term: '3' }), 'vote'],
    ['an empty member ID', jsonBytes({ ...vote, from: '' }), 'vote'],
    [
      'an overlong member ID',
      jsonBytes({ ...vote, to: 'x'.repeat(maxMemberIdLength + 1) }),
      'vote',
    ],
    [
      'an infinite sentAt',
      bytesOf(JSON.stringify(heartbeat).replace('12.5', '1e400')),
      'heartbeat',
    ],
    ['a boolean given as a number', jsonBytes({ ...vote, transfer: 0 }), 'vote'],
    [
      'unsorted voters',
      jsonBytes({ ...heartbeat, configuration: { ...configuration, voters: ['b', 'a'] } }),
      'heartbeat',
    ],
    [
      'a member listed twice',
      jsonBytes({ ...heartbeat, configuration: { ...configuration, voters: ['a', 'a'] } }),
      'heartbeat',
    ],
    [
      'eight voters',
      jsonBytes({
        ...heartbeat,
        configuration: {
          ...configuration,
          voters: Array.from({ length: 8 }, (_, index) => `m${index}`),
        },
      }),
      'heartbeat',
    ],
    [
      'a configuration at index 0',
      jsonBytes({ ...heartbeat, configuration: { ...configuration, index: 0 } }),
      'heartbeat',
    ],
    [
      'an empty founding list',
      jsonBytes({ type: 'found', from: 'a', to: 'b', term: 0, members: [] }),
      'found',
    ],
  ];
  for (const [what, bytes, messageType] of malformedCases) {
    test(`a message with ${what} is dropped as malformed, naming its type if known`, () => {
      const result = decodePeerMessage(bytes);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'malformed');
      assert.equal(result.messageType, messageType);
      assert.ok(result.detail.length > 0 && result.detail.length <= 200, result.detail);
    });
  }

  test('a member ID of exactly the maximum length is accepted', () => {
    const result = decodePeerMessage(jsonBytes({ ...vote, to: 'x'.repeat(maxMemberIdLength) }));
    assert.equal(result.ok, true);
  });

  test('decoding never throws, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), (bytes) => {
        const result = decodePeerMessage(bytes);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: 500 },
    );
  });

  test('decoding never throws on arbitrary JSON, and accepts only valid messages (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodePeerMessage(jsonBytes(value));
        if (result.ok) assert.deepEqual(result.message, value);
      }),
      { numRuns: 500 },
    );
  });

  test('a valid message with any one required field removed or an extra field added is rejected (property)', () => {
    const optionalFields = new Set([
      'configuration',
      'desire',
      'leaving',
      'reason',
      'isLeaderCommitted',
      'withVote',
    ]);
    fc.assert(
      fc.property(
        arbitraryPeerMessage,
        fc.nat(),
        fc.string({ minLength: 1 }),
        (message, index, extra) => {
          const entries = Object.entries(message).filter(([key]) => !optionalFields.has(key));
          const removed = Object.fromEntries(
            entries.filter((_, i) => i !== index % entries.length),
          );
          assert.equal(decodePeerMessage(jsonBytes(removed)).ok, false);
          fc.pre(!(extra in message));
          assert.equal(decodePeerMessage(jsonBytes({ ...message, [extra]: 1 })).ok, false);
        },
      ),
    );
  });

  test('the encoder writes a message as built; the receiver is the one that refuses an invalid one', () => {
    // The sender trusts the core (test/sim/wire-conformance.test.ts); the receiver trusts no one.
    const invalid = { type: 'vote', from: 'a', to: 'b', term: -2, transfer: false } as PeerMessage;
    const decoded = decodePeerMessage(encodePeerMessage(invalid));
    assert.ok(!decoded.ok && decoded.reason === 'malformed' && decoded.messageType === 'vote');
    assert.match(decoded.detail, /term/);
    const withExtra = { ...vote, secret: 'x' } as unknown as PeerMessage;
    const refused = decodePeerMessage(encodePeerMessage(withExtra));
    assert.ok(!refused.ok && refused.reason === 'malformed');
    assert.match(refused.detail, /secret/);
  });

  test('encoding refuses a message larger than the limit as oversize', () => {
    const result = tryEncodePeerMessage(sampleMessages[0] as PeerMessage, 10);
    assert.equal(!result.ok && result.reason, 'oversize');
    assert.throws(
      () => encodePeerMessage(sampleMessages[0] as PeerMessage, 10),
      (error: unknown) =>
        error instanceof ElectorError &&
        error.code === 'PEER_MESSAGE_INVALID' &&
        error.message.includes('oversize'),
    );
  });
});

describe('priority and succession fields (issue 17)', () => {
  const heartbeat = sampleMessages.find((message) => message.type === 'heartbeat');
  const response = sampleMessages.find((message) => message.type === 'heartbeat-response');

  test('messages of an older version, without them, still decode', () => {
    const withoutField = (message: PeerMessage | undefined, field: string): unknown =>
      Object.fromEntries(Object.entries(message ?? {}).filter(([key]) => key !== field));
    const oldHeartbeat = withoutField(heartbeat, 'succession');
    const oldResponse = withoutField(response, 'priority');
    assert.equal(decodePeerMessage(jsonBytes(oldHeartbeat)).ok, true);
    assert.equal(decodePeerMessage(jsonBytes(oldResponse)).ok, true);
  });

  test('a TimeoutNow may say the sender voted ahead, and only with true', () => {
    const timeoutNow = { type: 'timeout-now', from: 'a', to: 'c', term: 5 };
    assert.equal(decodePeerMessage(jsonBytes(timeoutNow)).ok, true);
    assert.equal(decodePeerMessage(jsonBytes({ ...timeoutNow, withVote: true })).ok, true);
    for (const withVote of [false, 'true', 1, null]) {
      const decoded = decodePeerMessage(jsonBytes({ ...timeoutNow, withVote }));
      assert.equal(decoded.ok, false, `withVote: ${JSON.stringify(withVote)}`);
    }
  });

  test('a succession naming a member twice, or a negative priority, is dropped', () => {
    assert.equal(decodePeerMessage(jsonBytes({ ...heartbeat, succession: ['b', 'b'] })).ok, false);
    assert.equal(decodePeerMessage(jsonBytes({ ...response, priority: -1 })).ok, false);
  });
});
