import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElectorError } from '../../../../src/core/errors.js';
import { leaseDurationMs } from '../../../../src/core/raft/config.js';
import {
  foundingConfiguration,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import { leadershipAt } from '../../../../src/core/raft/leadership-view.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, startupPersist } from '../../../../src/core/raft/node.js';
import { initialDurableState, type DurableState } from '../../../../src/core/raft/state.js';
import type { NodeInput } from '../../../../src/core/raft/step-types.js';
import {
  ackOf,
  actingLeader,
  config,
  Driver,
  durable,
  heartbeat,
  ignoredReasons,
  preVote,
  T,
  vote,
} from './fixtures.js';

const lease = leaseDurationMs(config());

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

// Addressing (the term rule itself: term-rule.test.ts; heartbeats: follower.test.ts)

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
