import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idOf } from '../../../../src/core/raft/configuration.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, step } from '../../../../src/core/raft/node.js';
import type { StepResult } from '../../../../src/core/raft/step-types.js';
import type { Random } from '../../../../src/core/random.js';
import { ack, config, Driver, durable, H, T, vote } from './fixtures.js';

function waitingReasons(result: StepResult): (string | undefined)[] {
  return result.notices
    .filter((notice) => notice.type === 'membership-waiting')
    .map((notice) => ('reason' in notice ? notice.reason : undefined));
}

function accepted(from: string): PeerMessage {
  return {
    type: 'found-response',
    from,
    to: 'a',
    term: 0,
    members: ['a', 'b', 'c'],
    accepted: true,
    configurationId: { index: 0, term: 0 },
  };
}

test('why membership waits is reported once per change of reason, and not when the wait ends', () => {
  const seed = new Driver({ id: 'a', durable: durable(0, null, ['a', 'b', 'c'], null) });
  const first = seed.tick(1);
  assert.equal(waitingReasons(first).length, 1);
  assert.match(
    waitingReasons(first)[0] ?? '',
    /founding a cluster of \[a, b, c\]: waiting for b, c /,
  );
  assert.deepEqual(waitingReasons(seed.receive(accepted('b'), 2)).length, 1);
  assert.match(seed.state.membershipNote ?? '', /waiting for c /);
  assert.deepEqual(waitingReasons(seed.receive(accepted('b'), 3)), [], 'same reason: no notice');
  const founded = seed.receive(accepted('c'), 4);
  assert.notEqual(seed.state.configuration, null, 'the seed founded');
  assert.deepEqual(waitingReasons(founded), [], 'nothing waits any more: no notice');
  assert.equal(seed.state.membershipNote, null);
});

test('a vote granted again to the same candidate in the same term persists nothing new', () => {
  const voter = new Driver({ id: 'b' });
  const first = voter.receive(vote('a', 'b', 1), T);
  assert.equal(first.send[0]?.type === 'vote-response' && first.send[0].granted, true);
  assert.deepEqual(first.persist && [first.persist.term, first.persist.votedFor], [1, 'a']);
  const again = voter.receive(vote('a', 'b', 1), T + 1);
  assert.equal(again.send[0]?.type === 'vote-response' && again.send[0].granted, true);
  assert.equal(again.persist, null, 'term and vote are unchanged: no write');
});

test('a member that grants a vote waits a fresh election timeout, anywhere in [T, 2T], before campaigning', () => {
  for (const [draw, expected] of [
    [0, T],
    [0.5, T + Math.floor(0.5 * (T + 1))],
    [1 - 2 ** -53, 2 * T],
  ] as const) {
    const random: Random = () => draw;
    const voter = createNode({ config: config('b'), durable: durable(0, null), now: 0, random });
    const now = 3 * T;
    const result = step(voter, { type: 'message', message: vote('a', 'b', 1) }, now, random);
    assert.equal(result.state.votedFor, 'a');
    assert.equal(result.state.electionDeadline, now + expected, `draw ${draw}`);
  }
});

test('a leader refuses pre-votes for a higher term, even from an up-to-date member, however long it has led: its lease rests on itself', () => {
  const leader = new Driver({ id: 'a' });
  let now = leader.campaignAndWin(0);
  const term = leader.state.term;
  const until = now + 3 * T;
  for (; now < until; now += H) {
    leader.tick(now);
    leader.receive(ack('b', 'a', term, now), now);
    leader.receive(ack('c', 'a', term, now), now);
  }
  assert.equal(leader.state.roleState.role, 'leader', 'still leading, with its acks');
  // b holds the leader's own entry (it acknowledged it), so only the lease can refuse it.
  const request: PeerMessage = {
    type: 'pre-vote',
    from: 'b',
    to: 'a',
    term: term + 1,
    configurationId: idOf(leader.state.configuration),
  };
  const reply = leader.receive(request, now).send[0];
  assert.equal(reply?.type, 'pre-vote-response');
  assert.equal(reply.granted, false);
});
