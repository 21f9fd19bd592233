import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, step } from '../../../../src/core/raft/node.js';
import type { NodeInput } from '../../../../src/core/raft/step-types.js';
import { seededRandom } from '../../../../src/core/random.js';
import { config } from './fixtures.js';

const member = fc.constantFrom('a', 'b', 'c', 'z');
const term = fc.integer({ min: 0, max: 6 });
const message: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({ type: fc.constant('pre-vote' as const), from: member, to: member, term }),
  fc.record({
    type: fc.constant('pre-vote-response' as const),
    from: member,
    to: member,
    term,
    granted: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('vote' as const),
    from: member,
    to: member,
    term,
    transfer: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('vote-response' as const),
    from: member,
    to: member,
    term,
    granted: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('heartbeat' as const),
    from: member,
    to: member,
    term,
    sentAt: fc.integer({ min: 0, max: 5000 }),
  }),
  fc.record({
    type: fc.constant('heartbeat-response' as const),
    from: member,
    to: member,
    term,
    echo: fc.integer({ min: 0, max: 5000 }),
    success: fc.boolean(),
    eligible: fc.boolean(),
  }),
  fc.record({ type: fc.constant('timeout-now' as const), from: member, to: member, term }),
);
const input: fc.Arbitrary<NodeInput> = fc.oneof(
  fc.constant({ type: 'tick' as const }),
  message.map((m) => ({ type: 'message' as const, message: m })),
  fc.constant({ type: 'transfer' as const }),
  fc.boolean().map((isEligible) => ({ type: 'set-eligible' as const, isEligible })),
);

test('for any input sequence: term never decreases, every term or vote change is persisted, the vote is never changed within a term, a tick never asks for an immediate tick', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(input, fc.integer({ min: 0, max: 300 })), { maxLength: 60 }),
      fc.integer(),
      (inputs, seed) => {
        const random = seededRandom(seed);
        let now = 0;
        let state = createNode({
          config: config(),
          durable: { term: 0, votedFor: null },
          now,
          random,
        });
        let durable = { term: 0, votedFor: null as string | null };
        for (const [next, advance] of inputs) {
          now += advance;
          const result = step(state, next, now, random);
          assert.ok(result.state.term >= state.term);
          if (result.state.term === state.term && state.votedFor !== null) {
            assert.equal(result.state.votedFor, state.votedFor, 'vote changed within a term');
          }
          if (result.persist !== null) durable = { ...result.persist };
          assert.deepEqual(
            durable,
            { term: result.state.term, votedFor: result.state.votedFor },
            'unpersisted term or vote',
          );
          if (next.type === 'tick') {
            assert.ok(result.wakeAt > now, 'after a tick the next wake-up is in the future');
          }
          for (const sent of result.send) assert.equal(sent.from, 'a');
          state = result.state;
        }
      },
    ),
    { numRuns: 500 },
  );
});
