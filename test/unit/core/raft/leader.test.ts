import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idOf } from '../../../../src/core/raft/configuration.js';
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

test('the step that wins the election reports the change as election-won, before any lease', () => {
  const candidate = new Driver();
  candidate.campaignAndWin(0);
  const won = candidate.last;
  assert.equal(won?.state.roleState.role, 'leader');
  assert.equal(won.change?.reason, 'election-won');
  assert.equal(won.change.leader, 'a');
  assert.equal(won.change.isSelf, false);
});

test('a tick between heartbeat intervals sends nothing and reports nothing', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  for (const now of [at + 1, at + H / 2, at + H - 1]) {
    const result = leader.tick(now);
    assert.deepEqual(result.send, [], `no message at ${now}`);
    assert.deepEqual(result.notices, [], `no notice at ${now}`);
    assert.equal(result.change, null);
  }
  assert.equal(leader.tick(at + H).send.length, 2, 'the next round is due after one interval');
});

/** A leader of a, b, c that won at `at` and heard no acknowledgement yet. */
function newLeader(): { leader: Driver; at: number; term: number } {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  return { leader, at, term: leader.state.term };
}

test('a refusal in the current term is not an acknowledgement: no lease, and no transfer target', () => {
  const { leader, at, term } = newLeader();
  leader.receive(ack('b', 'a', term, at, true, { success: false }), at + 1);
  assert.equal(leadershipAt(leader.state, at + 2).isSelf, false);
  assert.deepEqual(leader.feed({ type: 'transfer', to: 'b' }, at + 2).notices, [
    { type: 'transfer-refused', reason: '"b" is not reachable and eligible' },
  ]);
});

test('an acknowledgement echoing a send time after now is ignored: it cannot be of a heartbeat sent yet', () => {
  const { leader, at, term } = newLeader();
  leader.receive(ack('b', 'a', term, at + 1000), at + 1);
  assert.equal(leadershipAt(leader.state, at + 2).isSelf, false);
  assert.equal(leadershipAt(leader.state, at + 2).leaseExpiresAt, null);
});

test('an acknowledgement echoing a send time before this leadership began is ignored', () => {
  const { leader, at, term } = newLeader();
  leader.receive(ack('b', 'a', term, at - 1), at + 1);
  assert.equal(leadershipAt(leader.state, at + 2).isSelf, false);
  assert.equal(leadershipAt(leader.state, at + 2).leaseExpiresAt, null);
  // One of its own heartbeats, sent at the instant it began, counts.
  leader.receive(ack('b', 'a', term, at), at + 3);
  assert.equal(leadershipAt(leader.state, at + 4).leaseExpiresAt, at + lease);
});

test('an older acknowledgement arriving late does not overwrite what the newer one reported', () => {
  const { leader, at, term } = newLeader();
  leader.receive(ack('b', 'a', term, at + 50, true), at + 51);
  leader.receive(ack('b', 'a', term, at, false), at + 52);
  assert.deepEqual(leader.feed({ type: 'transfer', to: 'b' }, at + 53).notices, [
    { type: 'transfer-started', to: 'b' },
  ]);
});

test('a second answer to the same heartbeat (it was delivered twice) replaces the first', () => {
  const { leader, at, term } = newLeader();
  leader.receive(ack('b', 'a', term, at, true), at + 1);
  leader.receive(ack('b', 'a', term, at, false), at + 2);
  assert.deepEqual(leader.feed({ type: 'transfer', to: 'b' }, at + 3).notices, [
    { type: 'transfer-refused', reason: '"b" is not reachable and eligible' },
  ]);
});

test('a higher-priority member that was leaving starts its handover window only once it stays', () => {
  const delayMs = 2000;
  const stayingFrom = 3000;
  const leader = new Driver({ preference: { priorityHandoverDelayMs: delayMs } });
  const since = leader.campaignAndWin(0);
  const term = leader.state.term;
  let handoverAt: number | null = null;
  for (let now = since; now <= since + 10_000 && handoverAt === null; now += H) {
    const tick = leader.tick(now);
    if (tick.notices.some((notice) => notice.type === 'transfer-started')) handoverAt = now;
    else {
      leader.receive(ack('b', 'a', term, now), now + 1);
      // c (priority 5) asked to leave, then came back (restarted within a lease) to stay.
      const leaving = now - since < stayingFrom ? { leaving: true } : {};
      leader.receive(ack('c', 'a', term, now, true, { priority: 5, ...leaving }), now + 1);
    }
  }
  assert.ok(handoverAt !== null, 'c takes over in the end');
  assert.ok(
    handoverAt - since >= stayingFrom + delayMs,
    `the window runs from when it stays: transfer after ${handoverAt - since} ms`,
  );
});

test('a leaving leader that regains its lease hands over at its next tick', () => {
  // a is leaving, and leads only because the cluster was leaderless for long.
  const leader = new Driver();
  leader.feed({ type: 'leave' }, 0);
  const at = leader.campaignAndWin(100 * T);
  const term = leader.state.term;
  assert.equal(leader.state.roleState.role, 'leader');
  leader.receive(ack('b', 'a', term, at, false), at + 1);
  leader.tick(at + 2); // appends the entry of its term
  const entry = idOf(leader.state.configuration);
  assert.equal(entry.term, term);
  assert.equal(leader.tick(at + lease + 5).change?.reason, 'lease-expired');
  // c, which stays, acknowledges the entry: it commits and the lease is back.
  leader.receive(ack('c', 'a', term, at + lease, true, { configurationId: entry }), at + lease + 6);
  assert.equal(leader.state.commitIndex, entry.index);
  const result = leader.tick(at + lease + 7);
  assert.deepEqual(result.notices, [{ type: 'transfer-started', to: 'c' }]);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'c', term }]);
  assert.equal(result.change?.reason, 'ineligible');
  assert.equal(result.state.roleState.role, 'follower');
});
