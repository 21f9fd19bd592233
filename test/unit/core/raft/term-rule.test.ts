// The term rule (Raft §5.1) as the step function applies it: stale messages are answered in our
// term, a higher term makes a member follow in it, and a leader refuses any vote for a higher term.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import {
  actingLeader,
  ack,
  Driver,
  durable,
  founded,
  heartbeat,
  preVote,
  T,
  vote,
} from './fixtures.js';

test('a stale heartbeat is refused with our term and does not make its sender our leader', () => {
  const node = new Driver({ durable: durable(3, null) });
  const result = node.receive(heartbeat('b', 'a', 2, 42), 10);
  assert.deepEqual(result.send, [
    {
      type: 'heartbeat-response',
      from: 'a',
      to: 'b',
      term: 3,
      echo: 42,
      success: false,
      eligible: true,
      ownList: { members: ['a', 'b', 'c'], counter: 0 },
      configurationId: { index: founded.index, term: founded.term },
      desireTag: null,
    },
  ]);
  assert.equal(result.state.leader, null);
  assert.equal(result.change, null);
  assert.equal(result.persist, null);
});

test('stale pre-vote and vote requests are refused in our term', () => {
  const node = new Driver({ durable: durable(3, null) });
  assert.deepEqual(node.receive(preVote('b', 'a', 2), T + 1).send, [
    { type: 'pre-vote-response', from: 'a', to: 'b', term: 3, granted: false },
  ]);
  const result = node.receive(vote('b', 'a', 2), T + 2);
  assert.deepEqual(result.send, [
    { type: 'vote-response', from: 'a', to: 'b', term: 3, granted: false },
  ]);
  assert.equal(result.state.votedFor, null);
  assert.equal(result.persist, null);
});

test('stale answers and a stale timeout-now are dropped: no reply, no new term, no campaign', () => {
  const node = new Driver({ durable: durable(3, null) });
  const stale: PeerMessage[] = [
    { type: 'pre-vote-response', from: 'b', to: 'a', term: 2, granted: true },
    { type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true },
    ack('b', 'a', 2, 5),
    { type: 'timeout-now', from: 'b', to: 'a', term: 2 },
  ];
  for (const [index, message] of stale.entries()) {
    const result = node.receive(message, 10 + index);
    assert.deepEqual(result.send, [], message.type);
    assert.equal(result.state.term, 3, message.type);
    assert.equal(result.state.roleState.role, 'follower', message.type);
    assert.equal(result.persist, null, message.type);
    assert.equal(result.change, null, message.type);
  }
});

test('a leader refuses even a transfer vote for a higher term, keeping its term and role', () => {
  const { leader, now } = actingLeader();
  const term = leader.state.term;
  const result = leader.receive(vote('c', 'a', term + 1, true), now + 1);
  assert.deepEqual(result.send, [
    { type: 'vote-response', from: 'a', to: 'c', term, granted: false },
  ]);
  assert.equal(result.state.term, term);
  assert.equal(result.state.roleState.role, 'leader');
  assert.equal(result.persist, null);
  assert.equal(result.change, null);
});

test('a leader told of a higher term by a refused acknowledgement steps down, reporting higher-term', () => {
  const { leader, now } = actingLeader();
  const term = leader.state.term;
  const result = leader.receive(ack('c', 'a', term + 1, now, true, { success: false }), now + 1);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.persist?.term, term + 1);
  assert.equal(result.change?.reason, 'higher-term');
  assert.equal(result.change.isSelf, false);
});
