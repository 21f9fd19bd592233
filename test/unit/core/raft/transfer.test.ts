import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idOf } from '../../../../src/core/raft/configuration.js';
import type { StepResult } from '../../../../src/core/raft/step-types.js';
import { ack, Driver, H, T } from './fixtures.js';

const lease = T * (1 - 0.05);

/** A leader of a, b, c that heard b's and c's acknowledgements of its heartbeat at `at`. */
function leaderWithAcks(): { leader: Driver; at: number } {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  leader.receive(ack('b', 'a', leader.state.term, at), at + 1);
  leader.receive(ack('c', 'a', leader.state.term, at), at + 1);
  return { leader, at };
}

test('a follower refuses a transfer: it is not the leader', () => {
  const follower = new Driver();
  const result = follower.feed({ type: 'transfer' }, 1);
  assert.deepEqual(result.notices, [{ type: 'transfer-refused', reason: 'not the leader' }]);
  assert.deepEqual(result.send, []);
});

test('a transfer to a named voter goes to it, even when another acknowledged later', () => {
  const { leader, at } = leaderWithAcks();
  leader.receive(ack('b', 'a', leader.state.term, at + 1), at + 2);
  const result = leader.feed({ type: 'transfer', to: 'c' }, at + 3);
  assert.deepEqual(
    result.send.filter((message) => message.type === 'timeout-now').map((message) => message.to),
    ['c'],
  );
  assert.deepEqual(result.notices, [{ type: 'transfer-started', to: 'c' }]);
  assert.equal(result.state.roleState.role, 'follower');
});

test('a transfer to itself or to a non-member is refused by name, and the leader stays', () => {
  const { leader, at } = leaderWithAcks();
  for (const to of ['a', 'z']) {
    const result = leader.feed({ type: 'transfer', to }, at + 2);
    assert.deepEqual(result.notices, [
      { type: 'transfer-refused', reason: `"${to}" is not another voting member` },
    ]);
    assert.equal(result.state.roleState.role, 'leader');
  }
});

test('a voter is reachable until one lease after the heartbeat it last acknowledged', () => {
  const { leader, at } = leaderWithAcks();
  const sent = leader.feed({ type: 'transfer', to: 'b' }, at + lease);
  assert.deepEqual(sent.notices, [{ type: 'transfer-started', to: 'b' }]);
  const { leader: later, at: laterAt } = leaderWithAcks();
  const refused = later.feed({ type: 'transfer', to: 'b' }, laterAt + lease + 0.5);
  assert.deepEqual(refused.notices, [
    { type: 'transfer-refused', reason: '"b" is not reachable and eligible' },
  ]);
  assert.equal(refused.state.roleState.role, 'leader', 'a refused transfer leaves it leading');
});

test('an ineligible leader with no one to take over steps down all the same', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  const result = leader.feed({ type: 'set-eligible', isEligible: false }, at + 1);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.change?.reason, 'ineligible');
});

test('a transfer to a voter that reported itself ineligible is refused by name, and the leader stays', () => {
  const { leader, at } = leaderWithAcks();
  leader.receive(ack('c', 'a', leader.state.term, at + 1, false), at + 2);
  const refused = leader.feed({ type: 'transfer', to: 'c' }, at + 3);
  assert.deepEqual(refused.notices, [
    { type: 'transfer-refused', reason: '"c" is not reachable and eligible' },
  ]);
  assert.deepEqual(refused.send, [], 'no TimeoutNow leaves');
  assert.equal(refused.state.roleState.role, 'leader');
  const handedOver = leader.feed({ type: 'transfer', to: 'b' }, at + 4);
  assert.deepEqual(handedOver.notices, [{ type: 'transfer-started', to: 'b' }]);
});

/**
 * Leader a of a, b, c that was asked to leave (it leads only because the cluster was leaderless
 * for long): every heartbeat interval it ticks, and b and c acknowledge its newest entry 1 ms
 * later, eligible as `eligible` says. Returns the step in which it stopped leading, if it did.
 */
function leavingLeader(eligible: { readonly b: boolean; readonly c: boolean }): {
  leader: Driver;
  stepDown: StepResult | null;
} {
  const leader = new Driver();
  leader.feed({ type: 'leave' }, 0);
  const at = leader.campaignAndWin(100 * T);
  const term = leader.state.term;
  assert.equal(leader.state.roleState.role, 'leader');
  for (let now = at; now < at + 20 * H; now += H) {
    const steps = [leader.tick(now)];
    for (const peer of ['b', 'c'] as const) {
      if (steps.some((step) => step.state.roleState.role !== 'leader')) break;
      const configurationId = idOf(leader.state.configuration);
      steps.push(
        leader.receive(ack(peer, 'a', term, now, eligible[peer], { configurationId }), now + 1),
      );
    }
    const stepDown = steps.find((step) => step.change?.role === 'follower');
    if (stepDown !== undefined) return { leader, stepDown };
  }
  return { leader, stepDown: null };
}

test('a leaving leader with a member that stays hands over to it before changing the member set', () => {
  const { leader, stepDown } = leavingLeader({ b: false, c: true });
  assert.equal(stepDown?.change?.reason, 'ineligible');
  assert.deepEqual(stepDown.notices.at(-1), { type: 'transfer-started', to: 'c' });
  assert.deepEqual(leader.state.configuration?.voters, ['a', 'b', 'c'], 'still a voter');
});

test('a leaving leader with no one to take over removes itself, then steps down as removed', () => {
  const { leader, stepDown } = leavingLeader({ b: false, c: false });
  assert.equal(stepDown?.change?.reason, 'removed');
  assert.deepEqual(stepDown.notices.at(-1), {
    type: 'transfer-refused',
    reason: 'no reachable eligible voter',
  });
  assert.deepEqual(leader.state.configuration?.voters, ['b', 'c']);
  assert.equal(leader.state.configuration.outgoing, null);
  assert.equal(leader.state.commitIndex, leader.state.configuration.index, 'its removal committed');
});

/** A leader that appended the entry of its term, which b acknowledged holding at `at` + 3. */
function leaderWithEntryAcknowledgedByB(): { leader: Driver; at: number; term: number } {
  const { leader, at } = leaderWithAcks();
  leader.tick(at + 2); // appends the entry of its term
  const entry = idOf(leader.state.configuration);
  const term = leader.state.term;
  leader.receive(ack('b', 'a', term, at + 2, true, { configurationId: entry }), at + 3);
  return { leader, at, term };
}

test('the leader votes for a target holding its entry in the next term, saved before TimeoutNow leaves', () => {
  const { leader, at, term } = leaderWithEntryAcknowledgedByB();
  const result = leader.feed({ type: 'transfer', to: 'b' }, at + 4);
  assert.deepEqual(result.send, [
    { type: 'timeout-now', from: 'a', to: 'b', term, withVote: true },
  ]);
  assert.equal(result.persist?.term, term + 1);
  assert.equal(result.persist.votedFor, 'b');
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.state.leader, null);
});

test('the leader does not vote ahead for a target that has not acknowledged its entry', () => {
  const { leader, at } = leaderWithAcks();
  leader.tick(at + 2); // appends the entry of its term; b acknowledged only the founding one
  const term = leader.state.term;
  const votedFor = leader.state.votedFor;
  const result = leader.feed({ type: 'transfer', to: 'b' }, at + 4);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'b', term }]);
  assert.equal(result.state.term, term);
  assert.equal(result.state.votedFor, votedFor);
  assert.equal(result.persist, null, 'nothing to save: term and vote are unchanged');
});

test('a leader that may no longer lead hands over without voting ahead, so stepping down needs no save', () => {
  const { leader, at, term } = leaderWithEntryAcknowledgedByB();
  const result = leader.feed({ type: 'set-eligible', isEligible: false }, at + 4);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'b', term }]);
  assert.equal(result.persist, null);
  assert.equal(result.state.roleState.role, 'follower');
});

test('with the skipTransferStepDown test switch the leader neither steps down nor votes ahead', () => {
  const { leader, at, term } = leaderWithEntryAcknowledgedByB();
  leader.state = { ...leader.state, mutations: { skipTransferStepDown: true } };
  const result = leader.feed({ type: 'transfer', to: 'b' }, at + 4);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'b', term }]);
  assert.equal(result.state.roleState.role, 'leader');
  assert.equal(result.state.term, term);
});
