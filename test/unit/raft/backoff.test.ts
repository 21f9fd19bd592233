import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  backoffDelayMs,
  defaultBackoff,
  sleepUnlessAborted,
} from '../../../src/raft/transport/backoff.js';

describe('reconnection backoff', () => {
  test('the delay ceiling doubles from 50 ms and is capped at 2 s', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((attempt) =>
      backoffDelayMs(attempt, defaultBackoff, () => 0.999_999_999),
    );
    assert.deepEqual(
      ceilings.map((delay) => Math.round(delay)),
      [50, 100, 200, 400, 800, 1600, 2000, 2000],
    );
  });

  test('every delay lies in [ceiling/2, ceiling], spread by the injected random source (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const delay = backoffDelayMs(attempt, defaultBackoff, () => draw);
          const ceiling = Math.min(2000, 50 * 2 ** Math.min(attempt, 30));
          assert.ok(delay >= ceiling / 2 && delay <= ceiling, `${delay} for attempt ${attempt}`);
        },
      ),
    );
    assert.notEqual(
      backoffDelayMs(3, defaultBackoff, () => 0),
      backoffDelayMs(3, defaultBackoff, () => 0.9),
      'jitter comes from the random source',
    );
  });

  test('a sleep ends at once when its signal aborts', { timeout: 2000 }, async () => {
    const controller = new AbortController();
    const sleeping = sleepUnlessAborted(10_000, controller.signal);
    controller.abort();
    await sleeping;
    await sleepUnlessAborted(10_000, controller.signal);
  });

  test('a sleep without abort ends after its delay', { timeout: 2000 }, async () => {
    await sleepUnlessAborted(1, new AbortController().signal);
  });
});
