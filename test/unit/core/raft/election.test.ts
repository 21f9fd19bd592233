import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Configuration, ConfigurationId } from '../../../../src/core/raft/configuration.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode } from '../../../../src/core/raft/node.js';
import type { StepNotice, StepResult } from '../../../../src/core/raft/step-types.js';
import { seededRandom } from '../../../../src/core/random.js';
import {
  ack,
  config,
  Driver,
  durable,
  founded,
  H,
  heartbeat,
  preVote,
  T,
  vote,
} from './fixtures.js';

/** The election notices of a step, in order. */
function electionNotices(result: StepResult): StepNotice[] {
  return result.notices.filter(
    (notice) => notice.type === 'election-started' || notice.type === 'election-finished',
  );
}

function kinds(result: StepResult): [string, string][] {
  return result.send.map((message) => [message.type, message.to]);
}

function preVoteGrant(from: string, to: string, term: number): PeerMessage {
  return { type: 'pre-vote-response', from, to, term, granted: true };
}

/** A vote request from a candidate that holds the entry `configurationId`. */
function voteWith(
  from: string,
  to: string,
  term: number,
  configurationId: ConfigurationId,
): PeerMessage {
  return { type: 'vote', from, to, term, transfer: false, configurationId };
}

function voteGrant(from: string, to: string, term: number): PeerMessage {
  return { type: 'vote-response', from, to, term, granted: true };
}

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

test('a leaving member asks around instead of campaigning until it has heard no leader for three election timeouts', () => {
  // Started at 1000, which counts as its last contact with a leader; its first deadline is in [1500, 2000].
  const start = 1000;
  const patient = new Driver({ now: start });
  patient.feed({ type: 'leave' }, start);
  const early = patient.tick(start + 3 * T - 1);
  assert.equal(early.state.roleState.role, 'follower');
  assert.deepEqual(kinds(early), [
    ['hello', 'b'],
    ['hello', 'c'],
  ]);
  const due = new Driver({ now: start });
  due.feed({ type: 'leave' }, start);
  const campaign = due.tick(start + 3 * T);
  assert.equal(campaign.state.roleState.role, 'pre-candidate');
  assert.deepEqual(kinds(campaign), [
    ['pre-vote', 'b'],
    ['pre-vote', 'c'],
  ]);
});

test('a member its newest entry leaves out campaigns while it does not know that entry committed', () => {
  // a may hold the only copy of the entry that removes it: the leader that appended it is gone.
  const removing: Configuration = {
    index: 2,
    term: 1,
    version: 2,
    voters: ['b', 'c', 'd'],
    outgoing: null,
  };
  const node = new Driver({ durable: durable(1, null, ['a', 'b', 'c'], removing) });
  const result = node.tick(node.state.electionDeadline);
  assert.equal(result.state.roleState.role, 'pre-candidate');
  assert.deepEqual(kinds(result), [
    ['pre-vote', 'b'],
    ['pre-vote', 'c'],
    ['pre-vote', 'd'],
  ]);
});

test('each stage of an election is reported: the pre-vote round, the real one, and the win', () => {
  const node = new Driver({ durable: durable(4, null) });
  const at = node.state.electionDeadline;
  const preCampaign = node.tick(at);
  assert.deepEqual(electionNotices(preCampaign), [
    { type: 'election-started', preVote: true, transfer: false },
  ]);
  assert.equal(preCampaign.change?.reason, 'election-started');
  const campaign = node.receive(preVoteGrant('b', 'a', 5), at + 1);
  assert.deepEqual(electionNotices(campaign), [
    { type: 'election-started', preVote: false, transfer: false },
  ]);
  assert.equal(campaign.change?.reason, 'election-started');
  const won = node.receive(voteGrant('c', 'a', 5), at + 2);
  assert.deepEqual(electionNotices(won), [{ type: 'election-finished', result: 'won' }]);
  assert.equal(won.state.roleState.role, 'leader');
  assert.equal(won.change?.reason, 'election-won');
});

test('a one-member cluster reports its whole election, pre-vote, vote and win, in one step', () => {
  const node = new Driver({ members: ['a'] });
  const result = node.tick(node.state.electionDeadline);
  assert.deepEqual(electionNotices(result), [
    { type: 'election-started', preVote: true, transfer: false },
    { type: 'election-started', preVote: false, transfer: false },
    { type: 'election-finished', result: 'won' },
  ]);
});

test('a candidate that times out reports it and names the voters that did not grant, then tries again', () => {
  const five = ['a', 'b', 'c', 'd', 'e'];
  const node = new Driver({ members: five, durable: durable(4, null, five) });
  const at = node.state.electionDeadline;
  node.tick(at);
  const one = node.receive(preVoteGrant('b', 'a', 5), at + 1);
  assert.equal(one.state.roleState.role, 'pre-candidate', 'a and b are no majority of five');
  assert.deepEqual(one.send, []);
  const two = node.receive(preVoteGrant('c', 'a', 5), at + 2);
  assert.equal(two.state.roleState.role, 'candidate');
  node.receive(voteGrant('d', 'a', 5), at + 3);
  const result = node.tick(node.state.electionDeadline);
  assert.deepEqual(electionNotices(result), [
    { type: 'election-finished', result: 'timed-out' },
    { type: 'election-started', preVote: true, transfer: false },
  ]);
  const waiting = result.notices.flatMap((notice) =>
    notice.type === 'membership-waiting' ? [notice.reason] : [],
  );
  assert.equal(waiting.length, 1);
  assert.match(waiting[0] ?? '', /majority of v1 \[a, b, c, d, e\]/);
  assert.match(waiting[0] ?? '', /and b, c, e did not grant/, 'a and d granted');
});

test('a pre-vote grant the member no longer waits for does not start an election', () => {
  const node = new Driver({ durable: durable(4, null) });
  const at = node.state.electionDeadline;
  node.tick(at);
  // A leader of term 4 shows up: the pre-candidate follows it; c's grant arrives late.
  node.receive(heartbeat('b', 'a', 4, at + 1), at + 1);
  const late = node.receive(preVoteGrant('c', 'a', 5), at + 2);
  assert.equal(late.state.roleState.role, 'follower');
  assert.equal(late.state.term, 4);
  assert.deepEqual(late.send, []);
  assert.equal(late.change, null);
});

test('a pre-vote grant from an earlier round, for a lower term, does not count in the next round', () => {
  const node = new Driver({ durable: durable(4, null) });
  const at = node.state.electionDeadline;
  node.tick(at);
  node.receive(preVoteGrant('b', 'a', 5), at + 1);
  assert.equal(node.state.roleState.role, 'candidate');
  // c wins term 5 instead; later a's timer runs out and it asks for term 6.
  node.receive(heartbeat('c', 'a', 5, at + 2), at + 2);
  node.tick(node.state.electionDeadline);
  assert.equal(node.state.roleState.role, 'pre-candidate');
  const stale = node.receive(preVoteGrant('c', 'a', 5), node.state.electionDeadline - 1);
  assert.equal(stale.state.roleState.role, 'pre-candidate', 'a grant for term 5 is no grant for 6');
  assert.equal(stale.state.term, 5);
  assert.deepEqual(stale.send, []);
});

test('a pre-vote for a term no higher than the term of the voter is refused', () => {
  const node = new Driver({ durable: durable(5, null) });
  const result = node.receive(preVote('b', 'a', 5), 2 * T);
  assert.deepEqual(result.send, [
    { type: 'pre-vote-response', from: 'a', to: 'b', term: 5, granted: false },
  ]);
});

test('a refusal carries no configuration from a voter that does not know its entry committed', () => {
  const node = new Driver({ durable: durable(5, 'b') });
  const result = node.receive(vote('c', 'a', 5), 2 * T);
  assert.deepEqual(result.send, [
    { type: 'vote-response', from: 'a', to: 'c', term: 5, granted: false },
  ]);
});

test('a member without a configuration refuses a second candidate of its term, with no entry to send', () => {
  // A joining member: it holds no entry yet, but it voted for b in term 5.
  const node = new Driver({ durable: durable(5, 'b', ['a', 'b', 'c'], null) });
  const result = node.receive(vote('c', 'a', 5), 1);
  assert.deepEqual(result.send, [
    { type: 'vote-response', from: 'a', to: 'c', term: 5, granted: false },
  ]);
});

test('a voter that knows its entry committed sends it with a refusal, unless the candidate holds a newer one', () => {
  const node = new Driver({ durable: durable(3, 'b') });
  node.receive(heartbeat('b', 'a', 3, 2 * T, { commitIndex: 1 }), 2 * T);
  assert.equal(node.state.commitIndex, 1);
  const equal = node.receive(vote('c', 'a', 3), 2 * T + 1);
  assert.deepEqual(equal.send, [
    { type: 'vote-response', from: 'a', to: 'c', term: 3, granted: false, configuration: founded },
  ]);
  const newer = node.receive(voteWith('c', 'a', 3, { index: 2, term: 3 }), 2 * T + 2);
  assert.deepEqual(newer.send, [
    { type: 'vote-response', from: 'a', to: 'c', term: 3, granted: false },
  ]);
});

test('with the simulator switch skipConfigurationCheck, a voter grants a candidate with an older entry', () => {
  const newer: Configuration = { ...founded, index: 2, term: 1 };
  const stale = voteWith('b', 'a', 3, { index: 1, term: 0 });
  const checked = new Driver({ durable: durable(2, null, ['a', 'b', 'c'], newer) });
  const refused = checked.receive(stale, 2 * T);
  assert.equal(refused.send[0]?.type === 'vote-response' && refused.send[0].granted, false);
  const broken = new Driver({ durable: durable(2, null, ['a', 'b', 'c'], newer) });
  broken.state = { ...broken.state, mutations: { skipConfigurationCheck: true } };
  const granted = broken.receive(stale, 2 * T);
  assert.equal(granted.send[0]?.type === 'vote-response' && granted.send[0].granted, true);
});

test('a member that is no voter ignores a timeout-now and says so', () => {
  // d is being added: its list names it, the entry it holds (a, b, c) does not yet.
  const five = ['a', 'b', 'c', 'd', 'e'];
  const node = new Driver({ id: 'd', members: five, durable: durable(3, null, five, founded) });
  const result = node.receive({ type: 'timeout-now', from: 'a', to: 'd', term: 3 }, 10);
  assert.deepEqual(result.notices, [
    { type: 'message-ignored', reason: 'timeout-now from a: not a voter' },
  ]);
  assert.deepEqual(result.send, []);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.state.term, 3);
});

test('an ineligible voter ignores a timeout-now and says so', () => {
  const node = new Driver({ id: 'b', durable: durable(3, null) });
  node.feed({ type: 'set-eligible', isEligible: false }, 1);
  const result = node.receive({ type: 'timeout-now', from: 'a', to: 'b', term: 3 }, 10);
  assert.deepEqual(result.notices, [
    { type: 'message-ignored', reason: 'timeout-now from a: not eligible' },
  ]);
  assert.deepEqual(result.send, []);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.state.term, 3);
});

test('a transfer target told of the old leader’s vote wins at once in a cluster of three, asking no one', () => {
  const target = new Driver({ id: 'b', durable: durable(3, null) });
  const message = { type: 'timeout-now', from: 'a', to: 'b', term: 3, withVote: true } as const;
  const result = target.receive(message, 10);
  assert.equal(result.state.roleState.role, 'leader');
  assert.equal(result.state.term, 4);
  assert.equal(result.persist?.votedFor, 'b');
  assert.ok(result.notices.some((notice) => notice.type === 'election-finished'));
  assert.deepEqual(
    result.send.map((sent) => [sent.type, sent.to]),
    [
      ['heartbeat', 'a'],
      ['heartbeat', 'c'],
    ],
  );
});

test('with five members the old leader’s vote counts, and only the others are asked', () => {
  const members = ['a', 'b', 'c', 'd', 'e'];
  const target = new Driver({ id: 'b', members, durable: durable(3, null, members) });
  const message = { type: 'timeout-now', from: 'a', to: 'b', term: 3, withVote: true } as const;
  const result = target.receive(message, 10);
  const { roleState } = result.state;
  assert.ok(roleState.role === 'candidate', `a candidate, not a ${roleState.role}`);
  assert.deepEqual([...roleState.granted].sort(), ['a', 'b']);
  assert.deepEqual(
    result.send.map((sent) => [sent.type, sent.to, sent.type === 'vote' && sent.transfer]),
    [
      ['vote', 'c', true],
      ['vote', 'd', true],
      ['vote', 'e', true],
    ],
  );
  const grant = { type: 'vote-response', from: 'c', to: 'b', term: 4, granted: true } as const;
  assert.equal(target.receive(grant, 11).state.roleState.role, 'leader');
});

test('a transfer target told of no vote ahead holds only its own vote', () => {
  const target = new Driver({ id: 'b', durable: durable(3, null) });
  const result = target.receive({ type: 'timeout-now', from: 'a', to: 'b', term: 3 }, 10);
  const { roleState } = result.state;
  assert.ok(roleState.role === 'candidate', `a candidate, not a ${roleState.role}`);
  assert.deepEqual([...roleState.granted], ['b']);
});

test('a vote ahead from a member outside the configuration does not count', () => {
  const target = new Driver({ id: 'b', durable: durable(3, null) });
  const message = { type: 'timeout-now', from: 'z', to: 'b', term: 3, withVote: true } as const;
  const result = target.receive(message, 10);
  assert.equal(result.state.roleState.role, 'candidate');
  assert.deepEqual(
    result.send.map((sent) => [sent.type, sent.to]),
    [
      ['vote', 'a'],
      ['vote', 'c'],
    ],
  );
});
