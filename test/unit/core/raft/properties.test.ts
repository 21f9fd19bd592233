import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  compareConfigurationIds,
  foundingConfiguration,
  idOf,
  isVoter,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, step } from '../../../../src/core/raft/node.js';
import { durableStateOf, isSameDurableState } from '../../../../src/core/raft/state.js';
import type { NodeInput } from '../../../../src/core/raft/step-types.js';
import { seededRandom } from '../../../../src/core/random.js';
import { config, durable } from './fixtures.js';

const member = fc.constantFrom('a', 'b', 'c', 'd', 'z');
const term = fc.integer({ min: 0, max: 6 });
const configurations: readonly Configuration[] = [
  foundingConfiguration(['a', 'b', 'c']),
  { index: 2, term: 1, version: 1, voters: ['a', 'b', 'c'], outgoing: null },
  { index: 3, term: 1, version: 2, voters: ['a', 'b', 'c', 'd', 'z'], outgoing: ['a', 'b', 'c'] },
  { index: 4, term: 2, version: 3, voters: ['a', 'b', 'c', 'd', 'z'], outgoing: null },
  { index: 3, term: 2, version: 2, voters: ['b', 'c', 'd'], outgoing: ['a', 'b', 'c'] },
  { index: 5, term: 3, version: 3, voters: ['b', 'c', 'd'], outgoing: null },
];
const configuration = fc.constantFrom(...configurations);
const configurationId = fc.oneof(configuration.map(idOf), fc.constant({ index: 0, term: 0 }));
const members = fc.constantFrom(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'z'], ['b', 'c', 'd']);
const desire = fc.record({ members, counter: fc.integer({ min: 0, max: 3 }), author: member });
const desireTag = fc.option(
  fc.record({ counter: fc.integer({ min: 0, max: 3 }), author: member }),
  {
    nil: null,
  },
);
const envelope = { from: member, to: member, term };
const maybe = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });
const withOptional = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

// The records follow the wire schemas; undefined optional fields are dropped, as JSON drops them.
const message: fc.Arbitrary<PeerMessage> = fc
  .oneof(
    fc.record({ type: fc.constant('pre-vote' as const), ...envelope, configurationId }),
    fc
      .record({
        type: fc.constant('pre-vote-response' as const),
        ...envelope,
        granted: fc.boolean(),
        configuration: maybe(configuration),
      })
      .map(withOptional),
    fc.record({
      type: fc.constant('vote' as const),
      ...envelope,
      transfer: fc.boolean(),
      configurationId,
    }),
    fc.record({ type: fc.constant('vote-response' as const), ...envelope, granted: fc.boolean() }),
    fc
      .record({
        type: fc.constant('heartbeat' as const),
        ...envelope,
        sentAt: fc.integer({ min: 0, max: 5000 }),
        configurationId,
        configuration: maybe(configuration),
        commitIndex: fc.integer({ min: 0, max: 5 }),
        desireTag,
        desire: maybe(desire),
      })
      .map(withOptional),
    fc
      .record({
        type: fc.constant('heartbeat-response' as const),
        ...envelope,
        echo: fc.integer({ min: 0, max: 5000 }),
        success: fc.boolean(),
        eligible: fc.boolean(),
        leaving: maybe(fc.boolean()),
        ownList: fc.record({ members, counter: fc.integer({ min: 0, max: 3 }) }),
        configurationId,
        desireTag,
        desire: maybe(desire),
      })
      .map(withOptional),
    fc
      .record({
        type: fc.constant('timeout-now' as const),
        ...envelope,
        withVote: maybe(fc.constant(true as const)),
      })
      .map(withOptional),
    fc.record({ type: fc.constant('found' as const), ...envelope, members }),
    fc.record({
      type: fc.constant('found-response' as const),
      ...envelope,
      members,
      accepted: fc.boolean(),
      configurationId,
    }),
    fc.record({ type: fc.constant('hello' as const), ...envelope, configurationId, desireTag }),
    fc
      .record({
        type: fc.constant('hello-response' as const),
        ...envelope,
        leader: fc.option(member, { nil: null }),
        configuration: maybe(configuration),
        isLeaderCommitted: maybe(fc.boolean()),
        desire: maybe(desire),
      })
      .map(withOptional),
  )
  .map((generated) => generated as PeerMessage);
const input: fc.Arbitrary<NodeInput> = fc.oneof(
  fc.constant({ type: 'tick' as const }),
  message.map((m) => ({ type: 'message' as const, message: m })),
  message.map((m) => ({ type: 'message' as const, message: m })),
  fc.constant({ type: 'transfer' as const }),
  fc.constant({ type: 'leave' as const }),
  fc.boolean().map((isEligible) => ({ type: 'set-eligible' as const, isEligible })),
);

test('for any input sequence: term never decreases, every durable change is persisted before it counts, the vote is never changed within a term, a member removed for good never asks for votes, a tick never asks for an immediate tick', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(input, fc.integer({ min: 0, max: 300 })), { maxLength: 60 }),
      fc.integer(),
      fc.boolean(),
      (inputs, seed, isFounded) => {
        const random = seededRandom(seed);
        let now = 0;
        const start = isFounded ? durable(0, null) : durable(0, null, ['a', 'b', 'c'], null);
        let state = createNode({ config: config(), durable: start, now, random });
        let stored = durableStateOf(state);
        for (const [next, advance] of inputs) {
          now += advance;
          const result = step(state, next, now, random);
          assert.ok(result.state.term >= state.term);
          if (result.state.term === state.term && state.votedFor !== null) {
            assert.equal(result.state.votedFor, state.votedFor, 'vote changed within a term');
          }
          if (result.persist !== null) stored = result.persist;
          assert.ok(
            isSameDurableState(stored, durableStateOf(result.state)),
            'a durable change was not persisted',
          );
          if (next.type === 'tick') {
            assert.ok(result.wakeAt > now, 'after a tick the next wake-up is in the future');
          }
          const asksForVotes = result.send.some(
            (sent) => sent.type === 'pre-vote' || sent.type === 'vote',
          );
          if (asksForVotes && next.type === 'tick') {
            assert.ok(
              state.configuration !== null &&
                (isVoter(state.configuration, 'a') ||
                  state.commitIndex < state.configuration.index),
              'a member removed for good asked for votes',
            );
          }
          if (result.state.configuration !== null && state.configuration !== null) {
            const order = compareConfigurationIds(result.state.configuration, state.configuration);
            const isFromLeader = next.type === 'message' && next.message.type === 'heartbeat';
            assert.ok(order >= 0 || isFromLeader, 'only the leader may replace a newer entry');
          }
          for (const sent of result.send) assert.equal(sent.from, 'a');
          state = result.state;
        }
      },
    ),
    { numRuns: 1000 },
  );
});
