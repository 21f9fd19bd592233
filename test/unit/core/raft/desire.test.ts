import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isNewerDesire,
  isSameDesireTag,
  tagOf,
  type DesiredMembers,
} from '../../../../src/core/raft/desire.js';

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

test('two tags are the same when counter and author both match; nothing known matches only nothing', () => {
  assert.ok(isSameDesireTag({ counter: 3, author: 'b' }, { counter: 3, author: 'b' }));
  assert.ok(!isSameDesireTag({ counter: 3, author: 'b' }, { counter: 4, author: 'b' }));
  assert.ok(!isSameDesireTag({ counter: 3, author: 'b' }, { counter: 3, author: 'c' }));
  assert.ok(isSameDesireTag(null, null));
  assert.ok(!isSameDesireTag(null, { counter: 0, author: 'a' }));
  assert.ok(!isSameDesireTag({ counter: 0, author: 'a' }, null));
});

test('the tag of a desire is its counter and author, and nothing without one', () => {
  assert.deepEqual(tagOf(desire), { counter: 3, author: 'b' });
  assert.equal(tagOf(null), null);
});
