import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElectorError } from '../../../../src/core/errors.js';
import { leaseDurationMs } from '../../../../src/core/raft/config.js';
import {
  foundingConfiguration,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import { leadershipAt } from '../../../../src/core/raft/leadership-view.js';
import type { HeartbeatResponse, PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, startupPersist, step } from '../../../../src/core/raft/node.js';
import { initialDurableState, type DurableState } from '../../../../src/core/raft/state.js';
import type { NodeInput, StepResult } from '../../../../src/core/raft/step-types.js';
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

const lease = leaseDurationMs(config());

/** A leader of a, b, c whose lease rests on b's acknowledgement of the heartbeat sent at `basis`. */
function actingLeader(): { leader: Driver; basis: number; now: number } {
  const leader = new Driver();
  const basis = leader.campaignAndWin(0);
  const result = leader.receive(ack('b', 'a', leader.state.term, basis), basis + 1);
  assert.equal(result.change?.isSelf, true, 'the leader acts');
  return { leader, basis, now: basis + 1 };
}

/** The heartbeat acknowledgement `driver` answers a heartbeat from b with. */
function ackOf(
  driver: Driver,
  extra: Parameters<typeof heartbeat>[4] = {},
  now = 10,
): HeartbeatResponse {
  const result = driver.receive(heartbeat('b', 'a', driver.state.term, 7, extra), now);
  assert.equal(result.send.length, 1);
  const [response] = result.send;
  if (response?.type !== 'heartbeat-response') assert.fail(`expected an acknowledgement`);
  return response;
}

/** The reasons of the message-ignored notices of one step. */
function ignoredReasons(result: StepResult): string[] {
  return result.notices.flatMap((notice) =>
    notice.type === 'message-ignored' ? [notice.reason] : [],
  );
}

// createNode and startupPersist

test('a member that holds a configuration drops a founding promise left beside it, and persists that at start', () => {
  const loaded: DurableState = {
    ...durable(2, 'b'),
    promise: { seed: 'a', members: ['a', 'b', 'c'] },
  };
  const node = createNode({ config: config(), durable: loaded, now: 0, random: () => 0.5 });
  assert.equal(node.promise, null);
  assert.deepEqual(startupPersist(node, loaded), { ...loaded, promise: null });
});

test('a member without a configuration keeps its founding promise, and has nothing to persist at start', () => {
  const loaded: DurableState = {
    ...initialDurableState,
    startedWith: { members: ['a', 'b', 'c'], counter: 0 },
    promise: { seed: 'a', members: ['a', 'b', 'c'] },
  };
  const node = createNode({ config: config('b'), durable: loaded, now: 0, random: () => 0.5 });
  assert.deepEqual(node.promise, { seed: 'a', members: ['a', 'b', 'c'] });
  assert.equal(startupPersist(node, loaded), null);
});

test('a member restarted with the durable state it saved has nothing to persist at start', () => {
  const loaded = durable(4, 'c');
  const node = createNode({ config: config(), durable: loaded, now: 0, random: () => 0.5 });
  assert.equal(startupPersist(node, loaded), null);
});

test('a state file of elector 0.1 starts the member in the fixed member set of its list, and that entry is persisted', () => {
  const loaded = { ...initialDurableState, term: 3, votedFor: 'b', legacyFormat: true };
  const node = createNode({
    config: config('a', ['c', 'a', 'b']),
    durable: loaded,
    now: 0,
    random: () => 0.5,
  });
  assert.deepEqual(node.configuration, foundingConfiguration(['a', 'b', 'c']));
  assert.deepEqual(startupPersist(node, loaded), {
    term: 3,
    votedFor: 'b',
    configuration: foundingConfiguration(['a', 'b', 'c']),
    promise: null,
    startedWith: { members: ['a', 'b', 'c'], counter: 0 },
    desire: { counter: 0, author: 'a', members: ['a', 'b', 'c'] },
  });
  const fresh = createNode({
    config: config('a', ['c', 'a', 'b']),
    durable: initialDurableState,
    now: 0,
    random: () => 0.5,
  });
  assert.equal(fresh.configuration, null, 'a member that never ran holds no configuration');
});

test('the first election deadline can fall at 2T, the top of [T, 2T]', () => {
  const node = createNode({
    config: config(),
    durable: durable(1, null),
    now: 100,
    random: () => 0.9999,
  });
  assert.equal(node.electionDeadline, 100 + 2 * T);
});

test('a member that never held a configuration acknowledged no leader, so it grants a pre-vote right after start', () => {
  const fresh = new Driver({ durable: initialDurableState });
  const granted = fresh.receive(preVote('b', 'a', 1), 1);
  assert.deepEqual(granted.send, [
    { type: 'pre-vote-response', from: 'a', to: 'b', term: 1, granted: true },
  ]);
  const member = new Driver({ durable: durable(0, null) });
  const refused = member.receive(preVote('b', 'a', 1), 1);
  assert.equal(refused.send[0]?.type, 'pre-vote-response');
  assert.equal(
    refused.send[0].granted,
    false,
    'one with a configuration may have acked a live leader',
  );
});

// Inputs

test('a follower made ineligible only records it: no transfer attempt, no leadership change', () => {
  const node = new Driver({ durable: durable(1, null) });
  const result = node.feed({ type: 'set-eligible', isEligible: false }, 10);
  assert.deepEqual(result.notices, []);
  assert.deepEqual(result.send, []);
  assert.equal(result.change, null);
  const response = ackOf(node, {}, 20);
  assert.equal(response.eligible, false);
});

test('a leader made eligible again keeps leading', () => {
  const { leader, now } = actingLeader();
  const result = leader.feed({ type: 'set-eligible', isEligible: true }, now + 1);
  assert.deepEqual(result.notices, []);
  assert.equal(result.send.length, 0);
  assert.equal(result.change, null);
  assert.equal(result.state.roleState.role, 'leader');
});

test('a leaving follower asks nothing of anyone in that step and says so in its next acknowledgement', () => {
  const node = new Driver({ durable: durable(1, null) });
  const result = node.feed({ type: 'leave' }, 10);
  assert.deepEqual(result.notices, []);
  assert.deepEqual(result.send, []);
  assert.equal(result.change, null);
  const response = ackOf(node, {}, 20);
  assert.equal(response.leaving, true);
  assert.equal(response.eligible, false);
});

test('a leaving leader hands over at once, reporting the change as ineligible', () => {
  const { leader, now } = actingLeader();
  const term = leader.state.term;
  const result = leader.feed({ type: 'leave' }, now + 1);
  assert.deepEqual(result.send, [{ type: 'timeout-now', from: 'a', to: 'b', term }]);
  assert.equal(result.state.roleState.role, 'follower');
  assert.equal(result.change?.reason, 'ineligible');
  assert.equal(result.change.isSelf, false);
});

test('an operator transfer is reported with reason transfer', () => {
  const { leader, now } = actingLeader();
  const term = leader.state.term;
  const result = leader.feed({ type: 'transfer' }, now + 1);
  assert.deepEqual(result.send, [
    { type: 'timeout-now', from: 'a', to: 'b', term, withVote: true },
  ]);
  assert.equal(result.change?.reason, 'transfer');
});

test('step rejects an input or message of a type it does not know instead of dropping it', () => {
  const node = new Driver({ durable: durable(3, null) });
  const isInternal = (error: unknown): boolean =>
    error instanceof ElectorError &&
    error.code === 'INTERNAL' &&
    /unexpected value/.test(error.message);
  assert.throws(() => node.feed({ type: 'reboot' } as unknown as NodeInput, 10), isInternal);
  for (const term of [3, 2]) {
    const message = { type: 'gossip', from: 'b', to: 'a', term } as unknown as PeerMessage;
    assert.throws(() => node.receive(message, 10), isInternal, `term ${term}`);
  }
});

// Addressing and the term rule

test('a message addressed to another member, or sent by this member to itself, is ignored with a notice', () => {
  const node = new Driver({ durable: durable(1, null) });
  const misrouted = node.receive(heartbeat('b', 'c', 1, 5), 10);
  assert.equal(misrouted.notices.length, 1);
  assert.match(
    ignoredReasons(misrouted).join(),
    /^heartbeat from "b" to "c": not for this member$/,
  );
  assert.deepEqual(misrouted.send, []);
  assert.equal(misrouted.state.leader, null);
  const looped = node.receive(heartbeat('a', 'a', 1, 5), 11);
  assert.equal(looped.notices.length, 1);
  assert.match(ignoredReasons(looped).join(), /^heartbeat from "a" to "a": not for this member$/);
  assert.deepEqual(looped.send, []);
  assert.equal(looped.state.leader, null, 'a member is never its own follower');
});

test('a refused vote from a lower term still teaches a candidate the committed configuration that removed it', () => {
  const node = new Driver({ durable: durable(5, 'a') });
  const removal: Configuration = {
    index: 3,
    term: 2,
    version: 3,
    voters: ['b', 'c', 'd'],
    outgoing: null,
  };
  const result = node.receive(
    { type: 'vote-response', from: 'b', to: 'a', term: 3, granted: false, configuration: removal },
    10,
  );
  assert.deepEqual(result.persist?.configuration, removal);
  assert.equal(result.persist.term, 5, 'the stale term is not taken');
  assert.deepEqual(
    result.notices.filter((notice) => notice.type === 'configuration-adopted'),
    [{ type: 'configuration-adopted', configuration: removal }],
  );
});

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

// Heartbeats

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

// Leadership changes

test('a step that changes nothing reports no leadership change', () => {
  const node = new Driver({ durable: durable(1, null) });
  const result = node.tick(node.state.electionDeadline - 1);
  assert.equal(result.change, null);
  assert.equal(result.persist, null);
});

test('a new term alone is a leadership change', () => {
  const node = new Driver({ durable: durable(1, null) });
  // Past T after start nothing holds the vote back.
  const result = node.receive(vote('b', 'a', 2), T + 1);
  assert.equal(result.state.leader, null);
  assert.equal(result.state.roleState.role, 'follower');
  assert.deepEqual(result.change, {
    leader: null,
    fencingToken: 2n,
    isSelf: false,
    leaseExpiresAt: null,
    term: 2,
    role: 'follower',
    reason: 'higher-term',
  });
});

test('a leader learnt in the same term alone is a leadership change', () => {
  const node = new Driver({ durable: durable(1, null) });
  const result = node.receive(heartbeat('b', 'a', 1, 5), 10);
  assert.deepEqual(result.change, {
    leader: 'b',
    fencingToken: 1n,
    isSelf: false,
    leaseExpiresAt: null,
    term: 1,
    role: 'follower',
    reason: 'leader-discovered',
  });
});

test('a new role alone is a leadership change', () => {
  const node = new Driver({ durable: durable(1, null) });
  const result = node.tick(node.state.electionDeadline);
  assert.equal(result.state.roleState.role, 'pre-candidate');
  assert.deepEqual(result.change, {
    leader: null,
    fencingToken: 1n,
    isSelf: false,
    leaseExpiresAt: null,
    term: 1,
    role: 'pre-candidate',
    reason: 'election-started',
  });
});

// When to wake

test('a leader cut off from its followers is woken when its lease ends, then at its check-quorum deadline', () => {
  const { leader, basis } = actingLeader();
  const expiresAt = leadershipAt(leader.state, basis + 1).leaseExpiresAt;
  assert.equal(expiresAt, basis + lease);
  // Its heartbeat after this tick is due after the lease ends.
  const late = leader.tick(basis + 410);
  assert.ok(late.send.some((message) => message.type === 'heartbeat'));
  assert.equal(late.wakeAt, basis + lease);
  const expired = leader.tick(late.wakeAt);
  assert.equal(expired.change?.reason, 'lease-expired');
  assert.equal(
    expired.wakeAt,
    basis + T,
    'the check-quorum deadline comes before the next heartbeat',
  );
  const stepped = leader.tick(expired.wakeAt);
  assert.equal(stepped.change?.reason, 'quorum-lost');
  assert.equal(stepped.state.roleState.role, 'follower');
});
