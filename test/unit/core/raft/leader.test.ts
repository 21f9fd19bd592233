import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leadershipAt } from '../../../../src/core/raft/leadership-view.js';
import { ack, Driver, durable, H, T, vote } from './fixtures.js';

const lease = T * (1 - 0.05);

test('a new leader does not act until a majority acknowledged a heartbeat', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  assert.equal(leader.state.roleState.role, 'leader');
  assert.equal(leadershipAt(leader.state, at).isSelf, false);
  const heartbeatSentAt = at;
  const result = leader.receive(ack('b', 'a', leader.state.term, heartbeatSentAt), at + 2);
  assert.equal(result.change?.isSelf, true);
  assert.equal(result.change.reason, 'lease-acquired');
  assert.equal(
    result.change.leaseExpiresAt,
    heartbeatSentAt + lease,
    'the lease runs from the heartbeat send time',
  );
});

test('the lease lapses without fresh acknowledgements, and the leader steps down after T', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  leader.receive(ack('b', 'a', leader.state.term, at), at + 1);
  const expired = leader.tick(at + lease);
  assert.equal(expired.change?.isSelf, false);
  assert.equal(expired.change.reason, 'lease-expired');
  assert.equal(expired.state.roleState.role, 'leader', 'still leader, no longer acting');
  const stepped = leader.tick(at + T);
  assert.equal(stepped.state.roleState.role, 'follower');
  assert.equal(stepped.change?.reason, 'quorum-lost');
});

test('heartbeats go out every heartbeat interval', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  assert.equal(leader.last?.wakeAt, at + H);
  const result = leader.tick(at + H);
  assert.deepEqual(
    result.send.map((message) => [message.type, message.to]),
    [
      ['heartbeat', 'b'],
      ['heartbeat', 'c'],
    ],
  );
});

test('an old acknowledgement never shortens the lease', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  leader.receive(ack('b', 'a', leader.state.term, at + 50), at + 51);
  leader.receive(ack('b', 'a', leader.state.term, at), at + 52);
  assert.equal(leadershipAt(leader.state, at + 53).leaseExpiresAt, at + 50 + lease);
});

test('transfer hands over to the most recently acknowledged eligible peer, and the leader stops acting first', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  const term = leader.state.term;
  leader.receive(ack('b', 'a', term, at), at + 1);
  leader.receive(ack('c', 'a', term, at + 5), at + 6);
  const result = leader.feed({ type: 'transfer' }, at + 10);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.change?.isSelf, false);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'c', term }]);
});

test('transfer skips a peer whose workload is unhealthy, and is refused when none is left', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  const term = leader.state.term;
  leader.receive(ack('b', 'a', term, at, false), at + 1);
  const result = leader.feed({ type: 'transfer' }, at + 2);
  assert.equal(result.state.roleState.role, 'leader');
  assert.deepEqual(result.notices, [
    { type: 'transfer-refused', reason: 'no reachable eligible voter' },
  ]);
});

test('the transfer target campaigns at once and voters skip their stickiness for it', () => {
  const target = new Driver({ id: 'b', durable: durable(3, null) });
  const campaign = target.receive({ type: 'timeout-now', from: 'a', to: 'b', term: 3 }, 10);
  assert.equal(campaign.state.roleState.role, 'candidate');
  assert.equal(campaign.state.term, 4);
  assert.ok(campaign.send.every((message) => message.type === 'vote' && message.transfer));
  const voter = new Driver({ id: 'c', durable: durable(3, null), now: 0 });
  const reply = voter.receive(vote('b', 'c', 4, true), 10);
  assert.equal(reply.send[0]?.type === 'vote-response' && reply.send[0].granted, true);
});

test('a leader whose workload turns unhealthy hands over', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  leader.receive(ack('b', 'a', leader.state.term, at), at + 1);
  const result = leader.feed({ type: 'set-eligible', isEligible: false }, at + 2);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.change?.reason, 'ineligible');
  assert.equal(result.send[0]?.type, 'timeout-now');
});

test('the fencing token is the term and grows with each new leader', () => {
  const first = new Driver();
  first.campaignAndWin(0);
  const token = leadershipAt(first.state, 0).fencingToken;
  const second = new Driver({ id: 'b', durable: durable(first.state.term, null) });
  second.campaignAndWin(0);
  assert.ok(leadershipAt(second.state, 0).fencingToken > token);
});

test('a one-member leader, its own majority at every instant, always reports one full lease left', () => {
  const leader = new Driver({ members: ['a'] });
  const at = leader.state.electionDeadline;
  const won = leader.tick(at);
  assert.equal(won.change?.isSelf, true);
  assert.equal(won.change.leaseExpiresAt, at + lease, 'reported when it becomes leader');
  for (const later of [at + 1, at + 10 * T, at + 1000 * T]) {
    leader.tick(later);
    assert.equal(leadershipAt(leader.state, later).isSelf, true);
    assert.equal(leadershipAt(leader.state, later).leaseExpiresAt, later + lease);
  }
});
