import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareConfigurationIds,
  describeConfiguration,
  foundingConfiguration,
  isQuorum,
  isSameConfigurationId,
  isSameMemberSet,
  isVoter,
  quorumReachedAt,
  seedOf,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import { isNewerDesire, listsAtStart, targetMembers } from '../../../../src/core/raft/desire.js';

const joint: Configuration = {
  index: 3,
  term: 2,
  version: 2,
  voters: ['a', 'b', 'c', 'd', 'e'],
  outgoing: ['a', 'b', 'c'],
};

test('a joint configuration needs a majority of both member sets', () => {
  assert.equal(isQuorum(joint, new Set(['c', 'd', 'e'])), false, 'new majority, old minority');
  assert.equal(isQuorum(joint, new Set(['a', 'b'])), false, 'old majority, new minority');
  assert.equal(isQuorum(joint, new Set(['a', 'b', 'd'])), true);
  assert.equal(isQuorum(foundingConfiguration(['a', 'b', 'c']), new Set(['b', 'c'])), true);
});

test('the lease basis of a joint configuration is the lower of the two majorities', () => {
  const acked: Record<string, number> = { a: 90, b: 80, c: 10, d: 70, e: 60 };
  // Old set a, b, c: its majority reached 80. New set: the third newest of five is 70.
  assert.equal(
    quorumReachedAt(joint, (member) => acked[member]),
    70,
  );
  assert.equal(
    quorumReachedAt(joint, (member) =>
      ['c', 'd', 'e'].includes(member) ? undefined : acked[member],
    ),
    null,
    'no majority of the new set yet',
  );
});

test('configuration entries are ordered by term, then index, as Raft orders logs', () => {
  assert.ok(compareConfigurationIds({ index: 1, term: 3 }, { index: 9, term: 2 }) > 0);
  assert.ok(compareConfigurationIds({ index: 4, term: 3 }, { index: 5, term: 3 }) < 0);
  assert.equal(compareConfigurationIds({ index: 4, term: 3 }, { index: 4, term: 3 }), 0);
});

test('entries are the same only with the same term and index: a new leader re-creates index 2 as another entry', () => {
  assert.ok(isSameConfigurationId({ index: 2, term: 3 }, { index: 2, term: 3 }));
  assert.ok(!isSameConfigurationId({ index: 2, term: 1 }, { index: 2, term: 3 }));
  assert.ok(!isSameConfigurationId({ index: 2, term: 3 }, { index: 3, term: 3 }));
});

test('member lists are the same set whatever their order and repeats, and differ by any one member', () => {
  assert.ok(isSameMemberSet(['c', 'a', 'b'], ['a', 'b', 'c', 'a']));
  assert.ok(!isSameMemberSet(['a', 'b'], ['a', 'c']), 'same size, one member differs');
  assert.ok(!isSameMemberSet(['a', 'b'], ['a', 'b', 'c']));
});

test('the seed is the first member in sorted order, whatever the order given', () => {
  assert.equal(seedOf(['pod-2', 'pod-0', 'pod-1']), 'pod-0');
  assert.throws(() => seedOf([]), /seedOf an empty member list/);
});

test('a member votes in both halves of a joint configuration, and in none without a configuration', () => {
  assert.ok(isVoter(joint, 'e'), 'incoming');
  assert.ok(isVoter(joint, 'a'), 'in both');
  const shrinking: Configuration = {
    ...joint,
    voters: ['a', 'b', 'c'],
    outgoing: ['a', 'b', 'c', 'd', 'e'],
  };
  assert.ok(isVoter(shrinking, 'e'), 'outgoing only: it still votes until the final entry');
  assert.ok(!isVoter(shrinking, 'f'));
  assert.ok(!isVoter(foundingConfiguration(['a', 'b', 'c']), 'd'));
  assert.ok(!isVoter(null, 'a'));
});

test('logs and notes name a configuration by its version and voters, and the outgoing set during a change', () => {
  assert.equal(describeConfiguration(null), 'none');
  assert.equal(describeConfiguration(foundingConfiguration(['b', 'a', 'c'])), 'v1 [a, b, c]');
  assert.equal(describeConfiguration(joint), 'v2 [a, b, c, d, e] joint with [a, b, c]');
});

test('a first start stamps its list 0, which founds but never changes a cluster', () => {
  const { own, desire } = listsAtStart('b', ['c', 'a', 'b'], null, null);
  assert.deepEqual(own, { members: ['a', 'b', 'c'], counter: 0 });
  assert.equal(targetMembers(desire), null);
});

test('a restart with the same list changes nothing; with another list, it is stamped newer than all known', () => {
  const stored = { members: ['a', 'b', 'c'], counter: 2 };
  const known = { members: ['a', 'b', 'c', 'd', 'e'], counter: 4, author: 'd' };
  const same = listsAtStart('b', ['a', 'b', 'c'], stored, known);
  assert.deepEqual(same, { own: stored, desire: known });
  const changed = listsAtStart('b', ['a', 'b'], stored, known);
  assert.deepEqual(changed.own, { members: ['a', 'b'], counter: 5 });
  assert.deepEqual(changed.desire, { members: ['a', 'b'], counter: 5, author: 'b' });
  assert.ok(isNewerDesire(changed.desire, known));
});

test('a desire is newer by its counter; the author breaks ties, except at 0', () => {
  assert.ok(isNewerDesire({ counter: 3, author: 'a' }, { counter: 2, author: 'z' }));
  assert.ok(isNewerDesire({ counter: 3, author: 'b' }, { counter: 3, author: 'a' }));
  assert.ok(!isNewerDesire({ counter: 0, author: 'b' }, { counter: 0, author: 'a' }));
  assert.ok(isNewerDesire({ counter: 0, author: 'a' }, null));
});
