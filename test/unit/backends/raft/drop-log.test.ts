import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogRateLimiter } from '../../../../src/backends/raft/transport/drop-log.js';
import { ManualClock } from '../../manual-clock.js';

describe('rate limit for drop warnings', () => {
  test('one line per key per interval, reporting how many were suppressed', () => {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter(clock, 60_000);
    assert.deepEqual(limiter.check('b:malformed'), { shouldLog: true, suppressed: 0 });
    assert.deepEqual(limiter.check('b:malformed'), { shouldLog: false, suppressed: 1 });
    assert.deepEqual(limiter.check('b:malformed'), { shouldLog: false, suppressed: 2 });
    assert.deepEqual(limiter.check('c:malformed'), { shouldLog: true, suppressed: 0 });
    assert.deepEqual(limiter.check('b:oversize'), { shouldLog: true, suppressed: 0 });
    clock.advance(59_999);
    assert.equal(limiter.check('b:malformed').shouldLog, false);
    clock.advance(1);
    assert.deepEqual(limiter.check('b:malformed'), { shouldLog: true, suppressed: 3 });
    assert.deepEqual(limiter.check('b:malformed'), { shouldLog: false, suppressed: 1 });
  });

  test('it remembers at most maxKeys keys, forgetting the oldest first', () => {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter(clock, 60_000, 3);
    for (const key of ['1', '2', '3', '4']) assert.equal(limiter.check(key).shouldLog, true);
    assert.equal(limiter.check('1').shouldLog, true, 'the oldest key was forgotten');
    assert.equal(limiter.check('4').shouldLog, false, 'a recent key is still limited');
  });

  test('all keys together log at most the budget per interval; the next line says how many were held back', () => {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter(clock, 60_000, 1024, 3);
    const logged = Array.from({ length: 10 }, (_unused, index) => limiter.check(`10.0.0.${index}`));
    assert.equal(logged.filter((decision) => decision.shouldLog).length, 3);
    assert.equal(limiter.check('10.0.0.9').shouldLog, false, 'a held-back key stays held back');
    clock.advance(60_000);
    assert.deepEqual(limiter.check('10.0.0.9'), {
      shouldLog: true,
      suppressed: 0,
      suppressedByBudget: 8,
    });
    assert.deepEqual(limiter.check('10.0.0.8'), { shouldLog: true, suppressed: 0 });
  });
});
