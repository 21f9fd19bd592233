import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Random } from '../../../src/core/random.js';
import { defaultBackoff } from '../../../src/backends/raft/transport/transport-options.js';
import { pause, Wakeup } from '../../../src/runtime/abortable.js';
import { Backoff, backoffDelayMs } from '../../../src/runtime/backoff.js';

/** The Raft transport's reconnect policy, drawing from `random`. */
function reconnectPolicy(random: Random): Parameters<typeof backoffDelayMs>[0] {
  return {
    ...defaultBackoff,
    random,
  };
}

describe('retry backoff', () => {
  test('the delay ceiling doubles from 50 ms and is capped at 2 s', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((attempt) =>
      backoffDelayMs(
        reconnectPolicy(() => 0.999_999_999),
        attempt,
      ),
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
          const delay = backoffDelayMs(
            reconnectPolicy(() => draw),
            attempt,
          );
          const ceiling = Math.min(2000, 50 * 2 ** Math.min(attempt, 30));
          assert.ok(delay >= ceiling / 2 && delay <= ceiling, `${delay} for attempt ${attempt}`);
        },
      ),
    );
    assert.notEqual(
      backoffDelayMs(
        reconnectPolicy(() => 0),
        3,
      ),
      backoffDelayMs(
        reconnectPolicy(() => 0.9),
        3,
      ),
      'jitter comes from the random source',
    );
  });

  test('a sleep ends at once when its signal aborts', { timeout: 2000 }, async () => {
    const controller = new AbortController();
    const sleeping = pause(10_000, controller.signal);
    controller.abort();
    await sleeping;
    await pause(10_000, controller.signal);
  });

  test('a sleep without abort ends after its delay', { timeout: 2000 }, async () => {
    await pause(1, new AbortController().signal);
  });

  test('Backoff counts failures from the base delay and starts over after reset()', () => {
    const backoff = new Backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    assert.deepEqual(
      [backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()],
      [50, 100, 200],
    );
    assert.equal(backoff.failures(), 3);
    backoff.reset();
    assert.equal(backoff.failures(), 0);
    assert.equal(backoff.nextDelayMs(), 50);
  });
});

describe('Wakeup', () => {
  test('a wake before the wait is remembered once', { timeout: 2000 }, async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    await wakeup.wait(Infinity, new AbortController().signal);
    const controller = new AbortController();
    const waiting = wakeup.wait(Infinity, controller.signal);
    let isDone = false;
    void waiting.then(() => {
      isDone = true;
    });
    await pause(20, new AbortController().signal);
    assert.equal(isDone, false, 'the first wait used up the wake');
    controller.abort();
    await waiting;
  });

  test('a wake releases every waiter', { timeout: 2000 }, async () => {
    const wakeup = new Wakeup();
    const { signal } = new AbortController();
    const waits = [wakeup.wait(Infinity, signal), wakeup.wait(Infinity, signal)];
    wakeup.wake();
    await Promise.all(waits);
  });

  test('wakeIn wakes a waiter later, not at once', { timeout: 2000 }, async () => {
    const wakeup = new Wakeup();
    const { signal } = new AbortController();
    const startedAt = performance.now();
    wakeup.wakeIn(30);
    // A finite wait keeps the event loop alive: wakeIn's own timer does not.
    await wakeup.wait(10_000, signal);
    const elapsedMs = performance.now() - startedAt;
    assert.ok(elapsedMs >= 25, `woken after ${elapsedMs} ms: before the delayed wake`);
    assert.ok(elapsedMs < 5000, `woken after ${elapsedMs} ms: by the wait's own timeout`);
  });
});
