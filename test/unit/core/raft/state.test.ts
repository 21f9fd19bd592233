import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNode, startupPersist } from '../../../../src/core/raft/node.js';
import {
  durableStateOf,
  initialDurableState,
  isSameDurableState,
  type DurableState,
} from '../../../../src/core/raft/state.js';
import type { Configuration } from '../../../../src/core/raft/configuration.js';
import type { DesiredMembers, OwnList } from '../../../../src/core/raft/desire.js';
import { seededRandom } from '../../../../src/core/random.js';
import { config } from './fixtures.js';

const configuration: Configuration = {
  index: 4,
  term: 6,
  version: 3,
  voters: ['a', 'b', 'd'],
  outgoing: ['a', 'b', 'c'],
};
const promise = { seed: 'a', members: ['a', 'b', 'c'] };
const startedWith: OwnList = { members: ['a', 'b', 'c'], counter: 2 };
const desire: DesiredMembers = { members: ['a', 'b', 'd'], counter: 5, author: 'b' };

/** A durable state with every field set, a joint change under way and lists of several members. */
const full: DurableState = { term: 7, votedFor: 'b', configuration, promise, startedWith, desire };

/** What storage gives back: the same values in new objects (here a JSON round trip). */
function reloaded(state: DurableState): DurableState {
  return JSON.parse(JSON.stringify(state)) as DurableState;
}

function assertDiffers(a: DurableState, b: DurableState, what: string): void {
  assert.equal(isSameDurableState(a, b), false, `${what}: counted as the same`);
  assert.equal(isSameDurableState(b, a), false, `${what} (other way round): counted as the same`);
}

test('a durable state read back from storage is the same state, field by field, in new objects', () => {
  assert.ok(isSameDurableState(full, reloaded(full)));
  assert.ok(isSameDurableState(initialDurableState, reloaded(initialDurableState)));
  const final = { ...full, configuration: { ...configuration, outgoing: null } };
  assert.ok(isSameDurableState(final, reloaded(final)), 'a final entry (no outgoing voters)');
});

test('a change of term or vote is a change of durable state (Raft §5.2: both must be persisted)', () => {
  assertDiffers(full, { ...full, term: 8 }, 'term');
  assertDiffers(full, { ...full, votedFor: 'c' }, 'vote');
  assertDiffers(full, { ...full, votedFor: null }, 'no vote');
});

test('a change of configuration entry, in any field or either member set, is a change of durable state', () => {
  const changed = (changes: Partial<typeof configuration>): DurableState => ({
    ...full,
    configuration: { ...configuration, ...changes },
  });
  assertDiffers(full, { ...full, configuration: null }, 'no configuration');
  assertDiffers(full, changed({ index: 5 }), 'index');
  assertDiffers(full, changed({ term: 7 }), 'term of the entry');
  assertDiffers(full, changed({ version: 4 }), 'version');
  assertDiffers(full, changed({ voters: ['a', 'b', 'e'] }), 'a voter replaced');
  assertDiffers(full, changed({ voters: ['a', 'b'] }), 'a voter fewer');
  assertDiffers(full, changed({ voters: ['a', 'b', 'd', 'e'] }), 'a voter more');
  assertDiffers(full, changed({ outgoing: null }), 'joint entry made final');
  assertDiffers(full, changed({ outgoing: ['a', 'b', 'e'] }), 'an outgoing voter replaced');
  assertDiffers(full, changed({ outgoing: ['a', 'b', 'c', 'e'] }), 'an outgoing voter more');
});

test('a change of founding promise is a change of durable state', () => {
  assertDiffers(full, { ...full, promise: null }, 'no promise');
  assertDiffers(full, { ...full, promise: { ...promise, seed: 'b' } }, 'seed');
  assertDiffers(full, { ...full, promise: { ...promise, members: ['a', 'c'] } }, 'list');
  assertDiffers(full, { ...full, promise: { ...promise, members: ['a', 'b', 'd'] } }, 'member');
});

test('a change of the list started with, or of its stamp, is a change of durable state', () => {
  assertDiffers(full, { ...full, startedWith: null }, 'no list');
  assertDiffers(full, { ...full, startedWith: { ...startedWith, counter: 3 } }, 'stamp');
  assertDiffers(
    full,
    { ...full, startedWith: { ...startedWith, members: ['a', 'b', 'd'] } },
    'member',
  );
  assertDiffers(full, { ...full, startedWith: { ...startedWith, members: ['a', 'b'] } }, 'list');
});

test('a change of the desired member list, its counter or its author is a change of durable state', () => {
  assertDiffers(full, { ...full, desire: null }, 'no desire');
  assertDiffers(full, { ...full, desire: { ...desire, counter: 6 } }, 'counter');
  assertDiffers(full, { ...full, desire: { ...desire, author: 'a' } }, 'author');
  assertDiffers(full, { ...full, desire: { ...desire, members: ['a', 'b', 'e'] } }, 'member');
  assertDiffers(full, { ...full, desire: { ...desire, members: ['a', 'b'] } }, 'list');
});

test('at start a member persists nothing when storage already holds its durable state, else the new state', () => {
  const random = seededRandom(1);
  const start = { ...full, promise: null };
  const node = createNode({ config: config('a', ['a', 'b', 'c']), durable: start, now: 0, random });
  assert.equal(startupPersist(node, reloaded(durableStateOf(node))), null);
  const restarted = createNode({
    config: config('a', ['a', 'b', 'c', 'd', 'e']),
    durable: reloaded(durableStateOf(node)),
    now: 0,
    random,
  });
  const persisted = startupPersist(restarted, durableStateOf(node));
  assert.ok(persisted !== null, 'a changed --members list is persisted');
  assert.deepEqual(persisted.startedWith?.members, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(persisted.term, 7);
});
