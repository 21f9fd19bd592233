import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNode } from '../../../../src/core/raft/node.js';
import { seededRandom } from '../../../../src/core/random.js';
import { ack, config, Driver, durable, H, heartbeat, preVote, T, vote } from './fixtures.js';

test('election timeouts are drawn uniformly from [T, 2T], differently for each member', () => {
  const random = seededRandom(1);
  const timeouts = Array.from(
    { length: 200 },
    () =>
      createNode({ config: config(), durable: durable(0, null), now: 0, random }).electionDeadline,
  );
  assert.ok(timeouts.every((timeout) => timeout >= T && timeout <= 2 * T));
  assert.ok(new Set(timeouts).size > 100, 'members must not share one timeout');
  assert.ok(Math.min(...timeouts) < T + T / 4 && Math.max(...timeouts) > 2 * T - T / 4);
});

test('a heartbeat from the leader resets the election timer', () => {
  const node = new Driver({ durable: durable(1, null) });
  const before = node.state.electionDeadline;
  node.receive(heartbeat('b', 'a', 1, 0), before - 1);
  assert.ok(node.state.electionDeadline >= before - 1 + T);
  assert.equal(node.tick(before).send.length, 0, 'no election at the old deadline');
  assert.equal(node.state.roleState.role, 'follower');
});

test('a follower whose timer expires asks for pre-votes without changing its term', () => {
  const node = new Driver({ durable: durable(4, 'b') });
  const result = node.tick(node.state.electionDeadline);
  assert.equal(result.state.roleState.role, 'pre-candidate');
  assert.equal(result.state.term, 4);
  assert.equal(result.persist, null);
  assert.deepEqual(
    result.send.map((message) => [message.type, message.to, message.term]),
    [
      ['pre-vote', 'b', 5],
      ['pre-vote', 'c', 5],
    ],
  );
});

test('winning the pre-vote makes a candidate that persists its term and self-vote before asking', () => {
  const node = new Driver({ durable: durable(4, 'b') });
  const at = node.state.electionDeadline;
  node.tick(at);
  const result = node.receive(
    { type: 'pre-vote-response', from: 'b', to: 'a', term: 5, granted: true },
    at + 1,
  );
  assert.equal(result.state.roleState.role, 'candidate');
  assert.equal(result.persist?.term, 5);
  assert.equal(result.persist.votedFor, 'a');
  assert.deepEqual(
    result.send.map((message) => message.type),
    ['vote', 'vote'],
  );
});

test('a pre-vote request changes nothing at the receiver', () => {
  const node = new Driver({ durable: durable(2, null) });
  const result = node.receive(preVote('b', 'a', 9), T + 1);
  assert.equal(result.state.term, 2);
  assert.equal(result.persist, null);
  assert.deepEqual(result.send[0], {
    type: 'pre-vote-response',
    from: 'a',
    to: 'b',
    term: 9,
    granted: true,
  });
});

test('a higher term updates the term and clears the vote before the reply is sent', () => {
  const node = new Driver({ durable: durable(3, 'c') });
  const result = node.receive(vote('b', 'a', 5, false), T + 1);
  assert.deepEqual(
    result.persist && { term: result.persist.term, votedFor: result.persist.votedFor },
    { term: 5, votedFor: 'b' },
    'the reply depends on this durable state',
  );
  assert.deepEqual(result.send, [
    { type: 'vote-response', from: 'a', to: 'b', term: 5, granted: true },
  ]);
});

test('a member votes once per term', () => {
  const node = new Driver({ durable: durable(3, null) });
  node.receive(vote('b', 'a', 5, false), T + 1);
  const second = node.receive(vote('c', 'a', 5, false), T + 2);
  assert.equal(second.send[0]?.type === 'vote-response' && second.send[0].granted, false);
  const repeat = node.receive(vote('b', 'a', 5, false), T + 3);
  assert.equal(
    repeat.send[0]?.type === 'vote-response' && repeat.send[0].granted,
    true,
    'a repeated request gets the same answer',
  );
});

test('the vote survives a restart: a restarted member does not vote again in the same term', () => {
  const node = new Driver({ durable: durable(5, 'b'), now: 0 });
  const result = node.receive(vote('c', 'a', 5, false), 2 * T);
  assert.equal(result.send[0]?.type === 'vote-response' && result.send[0].granted, false);
});

test('a member that heard a live leader within T refuses votes without adopting the higher term', () => {
  const node = new Driver({ durable: durable(2, null) });
  node.receive(heartbeat('b', 'a', 2, 1000), 1000);
  const refused = node.receive(vote('c', 'a', 3, false), 1000 + T - 1);
  assert.equal(refused.state.term, 2);
  assert.equal(refused.persist, null);
  assert.equal(refused.send[0]?.type === 'vote-response' && refused.send[0].granted, false);
  const preVoteResult = node.receive(preVote('c', 'a', 3), 1000 + T - 1);
  assert.equal(
    preVoteResult.send[0]?.type === 'pre-vote-response' && preVoteResult.send[0].granted,
    false,
  );
  const granted = node.receive(vote('c', 'a', 3, false), 1000 + T);
  assert.equal(granted.send[0]?.type === 'vote-response' && granted.send[0].granted, true);
});

test('a member refuses votes for T after it starts, since a lease may rest on an ack it gave before a crash', () => {
  const node = new Driver({ durable: durable(2, null), now: 5000 });
  const early = node.receive(vote('c', 'a', 3, false), 5000 + T - 1);
  assert.equal(early.send[0]?.type === 'vote-response' && early.send[0].granted, false);
  const later = node.receive(vote('c', 'a', 3, false), 5000 + T);
  assert.equal(later.send[0]?.type === 'vote-response' && later.send[0].granted, true);
});

test('a stale leader learns the higher term from a heartbeat reply and steps down', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  assert.equal(leader.state.roleState.role, 'leader');
  const result = leader.receive(ack('b', 'a', 7, at, true, { success: false }), at + 1);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.state.term, 7);
  assert.equal(result.persist?.term, 7);
  assert.equal(result.persist.votedFor, null);
});

test('a one-member cluster elects itself and acts at once', () => {
  const node = new Driver({ members: ['a'] });
  const result = node.tick(node.state.electionDeadline);
  assert.equal(result.state.roleState.role, 'leader');
  assert.equal(result.change?.isSelf, true);
  assert.equal(result.change.fencingToken, 1n);
});

test('an ineligible member never campaigns: it only asks the others where the cluster stands', () => {
  const node = new Driver();
  node.feed({ type: 'set-eligible', isEligible: false }, 1);
  const result = node.tick(node.state.electionDeadline);
  assert.equal(result.state.roleState.role, 'follower');
  assert.deepEqual(
    result.send.map((message) => [message.type, message.to]),
    [
      ['hello', 'b'],
      ['hello', 'c'],
    ],
  );
  assert.ok(result.wakeAt > node.state.electionDeadline - 2 * T);
  assert.equal(H, 100);
});
