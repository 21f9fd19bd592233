import fc from 'fast-check';
import type { PeerMessage } from '../../../src/core/raft/messages.js';
import { maxMemberIdLength } from '../../../src/raft/transport/wire.js';

/** One message of every type, as the core would send them. */
export const sampleMessages: readonly PeerMessage[] = [
  { type: 'pre-vote', from: 'a', to: 'b', term: 4 },
  { type: 'pre-vote-response', from: 'b', to: 'a', term: 4, granted: true },
  { type: 'vote', from: 'a', to: 'b', term: 4, transfer: true },
  { type: 'vote-response', from: 'b', to: 'a', term: 4, granted: false },
  { type: 'heartbeat', from: 'a', to: 'b', term: 5, sentAt: 1234.5678 },
  {
    type: 'heartbeat-response',
    from: 'b',
    to: 'a',
    term: 5,
    echo: 1234.5678,
    success: true,
    eligible: false,
  },
  { type: 'timeout-now', from: 'a', to: 'c', term: 5 },
];

const memberId = fc.string({ minLength: 1, maxLength: maxMemberIdLength });
const term = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const reading = fc.double({ noNaN: true, noDefaultInfinity: true });
const envelope = { from: memberId, to: memberId, term };

/**
 * Any valid PeerMessage, as a plain object (fast-check may build null-prototype records).
 * `-0` is excluded because JSON turns it into 0.
 */
export const arbitraryPeerMessage: fc.Arbitrary<PeerMessage> = fc
  .oneof(
    fc.record({ type: fc.constant('pre-vote' as const), ...envelope }),
    fc.record({
      type: fc.constant('pre-vote-response' as const),
      ...envelope,
      granted: fc.boolean(),
    }),
    fc.record({ type: fc.constant('vote' as const), ...envelope, transfer: fc.boolean() }),
    fc.record({ type: fc.constant('vote-response' as const), ...envelope, granted: fc.boolean() }),
    fc.record({
      type: fc.constant('heartbeat' as const),
      ...envelope,
      sentAt: reading.filter((value) => !Object.is(value, -0)),
    }),
    fc.record({
      type: fc.constant('heartbeat-response' as const),
      ...envelope,
      echo: reading.filter((value) => !Object.is(value, -0)),
      success: fc.boolean(),
      eligible: fc.boolean(),
    }),
    fc.record({ type: fc.constant('timeout-now' as const), ...envelope }),
  )
  .map((message): PeerMessage => ({ ...message }));
