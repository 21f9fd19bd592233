// A member's answer to its leader's heartbeat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { step } from '../../../../src/core/raft/node.js';
import type { NodeInput } from '../../../../src/core/raft/step-types.js';
import {
  ackOf,
  actingLeader,
  Driver,
  durable,
  founded,
  H,
  heartbeat,
  ignoredReasons,
  T,
} from './fixtures.js';

test('a leader ignores a heartbeat of another member in its own term, with a notice naming it', () => {
  const { leader, now } = actingLeader();
  const result = leader.receive(heartbeat('c', 'a', leader.state.term, now), now + 1);
  assert.equal(result.notices.length, 1);
  assert.match(ignoredReasons(result).join(), /^heartbeat from "c" in our own term$/);
  assert.deepEqual(result.send, []);
  assert.equal(result.state.roleState.role, 'leader');
  assert.equal(result.state.leader, 'a');
});

test('a candidate that hears the winner of its term reports the election lost; a follower reports none', () => {
  const node = new Driver({ durable: durable(4, null) });
  const at = node.state.electionDeadline;
  node.tick(at);
  node.receive({ type: 'pre-vote-response', from: 'b', to: 'a', term: 5, granted: true }, at + 1);
  assert.equal(node.state.roleState.role, 'candidate');
  const lost = node.receive(heartbeat('c', 'a', 5, at + 2), at + 3);
  assert.deepEqual(
    lost.notices.filter((notice) => notice.type === 'election-finished'),
    [{ type: 'election-finished', result: 'lost' }],
  );
  assert.equal(lost.state.leader, 'c');
  const again = node.receive(heartbeat('c', 'a', 5, at + 4), at + 5);
  assert.deepEqual(again.notices, []);
});

test('a rank-1 successor campaigns in its slot after the heartbeat, not at a random time in [T, 2T]', () => {
  const node = new Driver({ durable: durable(1, null) });
  const input: NodeInput = {
    type: 'message',
    message: heartbeat('b', 'a', 1, 7, { succession: ['a', 'c'] }),
  };
  const result = step(node.state, input, 1000, () => 0.99);
  assert.ok(result.wakeAt >= 1000 + T + H / 2, `${result.wakeAt}`);
  assert.ok(
    result.wakeAt < 1000 + T + H,
    `rank 1 campaigns before rank 2's slot: ${result.wakeAt}`,
  );
});

test('a follower acknowledges with its priority when it has one', () => {
  const node = new Driver({ durable: durable(1, null), preference: { priority: 3 } });
  const response = ackOf(node);
  assert.equal(response.priority, 3);
});

test('a follower acknowledges with exactly what the leader needs, and no desire it does not know', () => {
  const node = new Driver({ durable: durable(1, null) });
  assert.deepEqual(ackOf(node), {
    type: 'heartbeat-response',
    from: 'a',
    to: 'b',
    term: 1,
    echo: 7,
    success: true,
    eligible: true,
    ownList: { members: ['a', 'b', 'c'], counter: 0 },
    configurationId: { index: founded.index, term: founded.term },
    desireTag: null,
  });
});

test('a follower sends its desired member list only while the leader has not reported knowing it', () => {
  // Restarted with d and e added to its list: it stamps that list as the newest desire.
  const five = ['a', 'b', 'c', 'd', 'e'];
  const node = new Driver({ members: five, durable: durable(1, null) });
  const desire = { counter: 1, author: 'a', members: five };
  assert.deepEqual(node.state.desire, desire);
  const unknown = ackOf(node, { desireTag: null });
  assert.deepEqual(unknown.desire, desire);
  const known = ackOf(node, { desireTag: { counter: 1, author: 'a' } }, 20);
  assert.equal('desire' in known, false);
  assert.deepEqual(known.desireTag, {
    counter: 1,
    author: 'a',
  });
});
