import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Random } from '../../../src/core/random.js';
import { defaultBackoff } from '../../../src/backends/raft/transport/transport-options.js';
import { pause, Wakeup } from '../../../src/runtime/abortable.js';
import { Backoff, backoffDelayMs } from '../../../src/runtime/backoff.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { ManualClock, settle } from '../manual-clock.js';

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

  test('a sleep ends at once when its signal aborts', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = pause(clock, 10_000, controller.signal);
    controller.abort();
    await sleeping;
    await pause(clock, 10_000, controller.signal);
  });

  test('a sleep without abort ends after its delay on the clock, not before', async () => {
    const clock = new ManualClock();
    let isDone = false;
    void pause(clock, 100, new AbortController().signal).then(() => {
      isDone = true;
    });
    clock.advance(99);
    await settle();
    assert.equal(isDone, false, 'still sleeping 1 ms before the delay');
    clock.advance(1);
    await settle();
    assert.equal(isDone, true, 'woken at the delay');
  });

  test('a sleep on the system clock ends after its delay, not before', async () => {
    // The clock's timers are unref'd: this one only keeps the process alive while it sleeps (a
    // sleep that never ends fails when it lapses, as a pending test at an empty event loop).
    const keepAlive = setTimeout(() => undefined, 60_000);
    try {
      const startedAt = systemClock.now();
      await pause(systemClock, 20, new AbortController().signal);
      const sleptMs = systemClock.now() - startedAt;
      assert.ok(sleptMs >= 19, `slept ${sleptMs} ms of 20`);
    } finally {
      clearTimeout(keepAlive);
    }
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
  test('a wake before the wait is remembered once', async () => {
    const clock = new ManualClock();
    const wakeup = new Wakeup(clock);
    wakeup.wake();
    await wakeup.wait(Infinity, new AbortController().signal);
    const controller = new AbortController();
    const waiting = wakeup.wait(Infinity, controller.signal);
    let isDone = false;
    void waiting.then(() => {
      isDone = true;
    });
    await settle();
    assert.equal(isDone, false, 'the first wait used up the wake');
    controller.abort();
    await waiting;
  });

  test('a wake releases every waiter', async () => {
    const wakeup = new Wakeup(new ManualClock());
    const { signal } = new AbortController();
    const waits = [wakeup.wait(Infinity, signal), wakeup.wait(Infinity, signal)];
    wakeup.wake();
    await Promise.all(waits);
  });

  test('wakeIn wakes a waiter at the delay on the clock, before the wait times out', async () => {
    const clock = new ManualClock();
    const wakeup = new Wakeup(clock);
    const { signal } = new AbortController();
    let wokenAt: number | null = null;
    wakeup.wakeIn(30);
    void wakeup.wait(10_000, signal).then(() => {
      wokenAt = clock.now();
    });
    clock.advance(29);
    await settle();
    assert.equal(wokenAt, null, 'not woken before the delayed wake');
    clock.advance(1);
    await settle();
    assert.equal(wokenAt, 1030, 'woken by the delayed wake, not the wait timeout');
  });
});
