import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  PriorityPreference,
  type PriorityCandidate,
} from '../../../src/backends/priority-preference.js';
import { ManualClock } from '../manual-clock.js';

const windowMs = 10_000;

function candidate(id: string, priority: number, place = `key-${id}`): PriorityCandidate {
  return { id, priority, place };
}

describe('PriorityPreference', () => {
  test('prefers a higher priority only once it has been queued for the whole window', () => {
    const clock = new ClockedPreference();
    const queue = [candidate('b', 5)];
    assert.equal(clock.observe(1, queue), null, 'just seen');
    clock.advance(windowMs - 1);
    assert.equal(clock.observe(1, queue), null, 'one ms short of the window');
    clock.advance(1);
    assert.equal(clock.observe(1, queue), 'b', 'the window has passed');
  });

  test('a candidate that leaves and comes back starts its window again', () => {
    const clock = new ClockedPreference();
    clock.observe(1, [candidate('b', 5, 'key-1')]);
    clock.advance(windowMs / 2);
    clock.observe(1, []);
    clock.advance(windowMs / 2);
    assert.equal(clock.observe(1, [candidate('b', 5, 'key-2')]), null, 'a new place, a new window');
    clock.advance(windowMs - 1);
    assert.equal(clock.observe(1, [candidate('b', 5, 'key-2')]), null);
    clock.advance(1);
    assert.equal(clock.observe(1, [candidate('b', 5, 'key-2')]), 'b');
  });

  test('equal or lower priority never preempts, and priority 0 never does', () => {
    const clock = new ClockedPreference();
    const queue = [candidate('same', 3), candidate('lower', 2)];
    clock.observe(3, queue);
    clock.advance(windowMs * 3);
    assert.equal(clock.observe(3, queue), null, 'equal never swaps');
    const zero = new ClockedPreference();
    zero.observe(0, [candidate('zero', 0)]);
    zero.advance(windowMs * 3);
    assert.equal(zero.observe(0, [candidate('zero', 0)]), null, 'priority 0 never preempts');
  });

  test('the highest priority wins; between equals, the first in the queue', () => {
    const clock = new ClockedPreference();
    const queue = [candidate('b', 4), candidate('c', 9), candidate('d', 9)];
    clock.observe(1, queue);
    clock.advance(windowMs);
    assert.equal(clock.observe(1, queue), 'c');
  });

  test('only a leader hands over, but places seen while following count towards the window', () => {
    const clock = new ClockedPreference();
    const queue = [candidate('b', 5)];
    clock.observe(1, queue, false);
    clock.advance(windowMs);
    assert.equal(clock.observe(1, queue, false), null, 'a follower never hands over');
    assert.equal(clock.observe(1, queue, true), 'b', 'seen for a window already');
  });

  test('after a handover is chosen, the next choice waits a full window', () => {
    const clock = new ClockedPreference();
    const queue = [candidate('b', 5)];
    clock.observe(1, queue);
    clock.advance(windowMs);
    assert.equal(clock.observe(1, queue), 'b');
    clock.advance(windowMs - 1);
    assert.equal(
      clock.observe(1, queue),
      null,
      'a failed handover is not retried within the window',
    );
    clock.advance(1);
    assert.equal(clock.observe(1, queue), 'b');
  });

  test('a window of 0 prefers at once', () => {
    const preference = new PriorityPreference(0);
    assert.equal(preference.observe(5, 1, [candidate('b', 2)], true), 'b');
  });
});

/** A preference driven by a manual clock. */
class ClockedPreference {
  private readonly clock = new ManualClock();
  private readonly preference = new PriorityPreference(windowMs);

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  observe(
    selfPriority: number,
    candidates: readonly PriorityCandidate[],
    isLeading = true,
  ): string | null {
    return this.preference.observe(this.clock.now(), selfPriority, candidates, isLeading);
  }
}
