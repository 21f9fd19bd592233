import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNewerDesire, tagOf, type DesiredMembers } from '../../../../src/core/raft/desire.js';

const desire: DesiredMembers = { members: ['a', 'b', 'c', 'd'], counter: 3, author: 'b' };

test('knowing no desire is never newer than anything', () => {
  assert.ok(!isNewerDesire(null, null));
  assert.ok(!isNewerDesire(null, { counter: 0, author: 'a' }));
});

test('a desire is not newer than itself: equal tags name the same list', () => {
  assert.ok(!isNewerDesire({ counter: 3, author: 'b' }, { counter: 3, author: 'b' }));
  assert.ok(!isNewerDesire({ counter: 3, author: 'a' }, { counter: 3, author: 'b' }));
  assert.ok(!isNewerDesire({ counter: 2, author: 'z' }, { counter: 3, author: 'a' }));
});

test('the tag of a desire is its counter and author, and nothing without one', () => {
  assert.deepEqual(tagOf(desire), { counter: 3, author: 'b' });
  assert.equal(tagOf(null), null);
});
