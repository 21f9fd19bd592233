import fc from 'fast-check';
import type { Configuration } from '../../../../src/core/raft/configuration.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { maxMemberIdLength } from '../../../../src/backends/raft/transport/wire.js';

const sampleConfiguration: Configuration = {
  index: 4,
  term: 5,
  version: 2,
  voters: ['a', 'b', 'c', 'd', 'e'],
  outgoing: ['a', 'b', 'c'],
};
const sampleDesire = { members: ['a', 'b', 'c', 'd', 'e'], counter: 2, author: 'c' };

/** One message of every type, as the core would send them. */
export const sampleMessages: readonly PeerMessage[] = [
  { type: 'pre-vote', from: 'a', to: 'b', term: 4, configurationId: { index: 3, term: 2 } },
  { type: 'pre-vote-response', from: 'b', to: 'a', term: 4, granted: true },
  {
    type: 'vote',
    from: 'a',
    to: 'b',
    term: 4,
    transfer: true,
    configurationId: { index: 3, term: 2 },
  },
  {
    type: 'vote-response',
    from: 'b',
    to: 'a',
    term: 4,
    granted: false,
    configuration: sampleConfiguration,
  },
  {
    type: 'heartbeat',
    from: 'a',
    to: 'b',
    term: 5,
    sentAt: 1234.5678,
    configurationId: { index: 4, term: 5 },
    configuration: sampleConfiguration,
    commitIndex: 3,
    desireTag: { counter: 2, author: 'c' },
    desire: sampleDesire,
    succession: ['c', 'b'],
  },
  {
    type: 'heartbeat-response',
    from: 'b',
    to: 'a',
    term: 5,
    echo: 1234.5678,
    success: true,
    eligible: false,
    leaving: true,
    priority: 3,
    ownList: { members: ['a', 'b', 'c'], counter: 0 },
    configurationId: { index: 4, term: 5 },
    desireTag: { counter: 2, author: 'c' },
  },
  { type: 'timeout-now', from: 'a', to: 'c', term: 5 },
  { type: 'timeout-now', from: 'a', to: 'c', term: 5, withVote: true },
  { type: 'found', from: 'a', to: 'b', term: 0, members: ['a', 'b', 'c'] },
  {
    type: 'found-response',
    from: 'b',
    to: 'a',
    term: 0,
    members: ['a', 'b', 'c'],
    accepted: false,
    reason: 'it already belongs to a cluster',
    configurationId: { index: 2, term: 1 },
  },
  {
    type: 'hello',
    from: 'd',
    to: 'a',
    term: 0,
    configurationId: { index: 0, term: 0 },
    desireTag: null,
  },
  {
    type: 'hello-response',
    from: 'a',
    to: 'd',
    term: 5,
    leader: 'a',
    configuration: sampleConfiguration,
    isLeaderCommitted: true,
    desire: sampleDesire,
  },
];

const memberId = fc.string({ minLength: 1, maxLength: maxMemberIdLength });
const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const reading = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((value) => !Object.is(value, -0));
const envelope = { from: memberId, to: memberId, term: count };
const memberList = fc
  .uniqueArray(memberId, { minLength: 1, maxLength: 7 })
  .map((members) => [...members].sort());
const configurationId = fc.record({ index: count, term: count });
const configuration = fc.record({
  index: count.filter((value) => value >= 1),
  term: count,
  version: count.filter((value) => value >= 1),
  voters: memberList,
  outgoing: fc.option(memberList, { nil: null }),
});
const desireTag = fc.option(fc.record({ counter: count, author: memberId }), { nil: null });
const desire = fc.record({ members: memberList, counter: count, author: memberId });
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });

/** What JSON makes of a generated record: undefined fields dropped, plain prototypes throughout. */
function plain(message: object): PeerMessage {
  return JSON.parse(JSON.stringify(message)) as PeerMessage;
}

/**
 * Any valid PeerMessage, as a plain object (fast-check may build null-prototype records).
 * `-0` is excluded because JSON turns it into 0.
 */
export const arbitraryPeerMessage: fc.Arbitrary<PeerMessage> = fc
  .oneof(
    fc.record({ type: fc.constant('pre-vote' as const), ...envelope, configurationId }),
    fc.record({
      type: fc.constant('pre-vote-response' as const),
      ...envelope,
      granted: fc.boolean(),
      configuration: optional(configuration),
    }),
    fc.record({
      type: fc.constant('vote' as const),
      ...envelope,
      transfer: fc.boolean(),
      configurationId,
    }),
    fc.record({
      type: fc.constant('vote-response' as const),
      ...envelope,
      granted: fc.boolean(),
      configuration: optional(configuration),
    }),
    fc.record({
      type: fc.constant('heartbeat' as const),
      ...envelope,
      sentAt: reading,
      configurationId,
      configuration: optional(configuration),
      commitIndex: count,
      desireTag,
      desire: optional(desire),
    }),
    fc.record({
      type: fc.constant('heartbeat-response' as const),
      ...envelope,
      echo: reading,
      success: fc.boolean(),
      eligible: fc.boolean(),
      leaving: optional(fc.boolean()),
      ownList: fc.record({ members: memberList, counter: count }),
      configurationId,
      desireTag,
      desire: optional(desire),
    }),
    fc.record({
      type: fc.constant('timeout-now' as const),
      ...envelope,
      withVote: optional(fc.constant(true as const)),
    }),
    fc.record({ type: fc.constant('found' as const), ...envelope, members: memberList }),
    fc.record({
      type: fc.constant('found-response' as const),
      ...envelope,
      members: memberList,
      accepted: fc.boolean(),
      reason: optional(fc.string({ maxLength: 100 })),
      configurationId,
    }),
    fc.record({ type: fc.constant('hello' as const), ...envelope, configurationId, desireTag }),
    fc.record({
      type: fc.constant('hello-response' as const),
      ...envelope,
      leader: fc.option(memberId, { nil: null }),
      configuration: optional(configuration),
      isLeaderCommitted: optional(fc.boolean()),
      desire: optional(desire),
    }),
  )
  .map(plain);
