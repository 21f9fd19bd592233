import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRaftConfig } from '../../../../src/core/raft/config.js';
import { ElectorError } from '../../../../src/core/errors.js';
import { config } from './fixtures.js';

function problemsOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ElectorError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

test('cluster sizes 1, 3, 5 and 7 are accepted', () => {
  for (const size of [1, 3, 5, 7]) {
    const members = Array.from({ length: size }, (_, index) => `m${index}`);
    validateRaftConfig({ ...config('m0', members) });
  }
});

test('an even cluster size is refused with the accepted sizes', () => {
  assert.match(
    problemsOf(() => validateRaftConfig(config('a', ['a', 'b']))),
    /members: expected 1, 3, 5, 7 members .* got 2/,
  );
});

test('a duplicate member ID and an ID outside the members are refused by name', () => {
  const message = problemsOf(() => validateRaftConfig(config('x', ['a', 'b', 'b'])));
  assert.match(message, /duplicate member ID "b"/);
  assert.match(message, /id: "x" is not one of the members/);
});

test('an election timeout too close to the heartbeat interval is refused', () => {
  const message = problemsOf(() =>
    validateRaftConfig({ ...config(), heartbeatIntervalMs: 200, electionTimeoutMs: 500 }),
  );
  assert.match(
    message,
    /electionTimeoutMs: expected at least 3 × heartbeatIntervalMs \(600\); got 500/,
  );
});

test('a drift bound outside [0, 0.5) is refused', () => {
  assert.match(
    problemsOf(() => validateRaftConfig({ ...config(), maxClockDrift: 0.7 })),
    /maxClockDrift/,
  );
});

test('the drift bound is refused below 0 and at 0.5, and accepted at 0', () => {
  for (const maxClockDrift of [-0.01, 0.5]) {
    assert.match(
      problemsOf(() => validateRaftConfig({ ...config(), maxClockDrift })),
      new RegExp(`maxClockDrift: expected a fraction in \\[0, 0\\.5\\); got ${maxClockDrift}`),
    );
  }
  validateRaftConfig({ ...config(), maxClockDrift: 0 });
});

test('intervals must be whole milliseconds of at least 1; 1 and 3 are the smallest accepted', () => {
  for (const heartbeatIntervalMs of [0, 1.5]) {
    assert.match(
      problemsOf(() =>
        validateRaftConfig({ ...config(), heartbeatIntervalMs, electionTimeoutMs: 1000 }),
      ),
      new RegExp(
        `heartbeatIntervalMs: expected a whole number of milliseconds ≥ 1; got ${heartbeatIntervalMs}`,
      ),
    );
  }
  for (const electionTimeoutMs of [0, 2.5]) {
    assert.match(
      problemsOf(() =>
        validateRaftConfig({ ...config(), heartbeatIntervalMs: 1, electionTimeoutMs }),
      ),
      new RegExp(
        `electionTimeoutMs: expected a whole number of milliseconds ≥ 1; got ${electionTimeoutMs}`,
      ),
    );
  }
  assert.match(
    problemsOf(() =>
      validateRaftConfig({ ...config(), heartbeatIntervalMs: 1, electionTimeoutMs: 1 }),
    ),
    /electionTimeoutMs: expected at least 3 × heartbeatIntervalMs \(3\); got 1/,
  );
  validateRaftConfig({ ...config(), heartbeatIntervalMs: 1, electionTimeoutMs: 3 });
});

test('every problem is named on a line of its own, an empty member ID too', () => {
  const message = problemsOf(() =>
    validateRaftConfig({ ...config('x', ['a', '', 'b']), heartbeatIntervalMs: 0 }),
  );
  assert.deepEqual(message.split('\n'), [
    'heartbeatIntervalMs: expected a whole number of milliseconds ≥ 1; got 0',
    'members: a member ID is empty',
    'id: "x" is not one of the members (a, , b)',
  ]);
});

test('a priority must be a whole number of at least 0; none, 0 and large ones are accepted', () => {
  for (const priority of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.deepEqual(problemsOf(() => validateRaftConfig({ ...config(), priority })).split('\n'), [
      `priority: expected a whole number ≥ 0; got ${String(priority)}`,
    ]);
  }
  assert.equal(validateRaftConfig(config()).priority, undefined);
  for (const priority of [0, 1, 1000]) {
    assert.equal(validateRaftConfig({ ...config(), priority }).priority, priority);
  }
});

test('a handover delay must be a finite duration of at least 0 ms; none and 0 are accepted', () => {
  for (const priorityHandoverDelayMs of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.deepEqual(
      problemsOf(() => validateRaftConfig({ ...config(), priorityHandoverDelayMs })).split('\n'),
      [
        `priorityHandoverDelayMs: expected a duration ≥ 0 milliseconds; got ${String(priorityHandoverDelayMs)}`,
      ],
    );
  }
  assert.equal(validateRaftConfig(config()).priorityHandoverDelayMs, undefined);
  for (const priorityHandoverDelayMs of [0, 2.5, 10_000]) {
    assert.equal(
      validateRaftConfig({ ...config(), priorityHandoverDelayMs }).priorityHandoverDelayMs,
      priorityHandoverDelayMs,
    );
  }
});

test('a bad priority and a bad handover delay are both listed, after the other problems', () => {
  const message = problemsOf(() =>
    validateRaftConfig({
      ...config('x', ['a', 'b', 'c']),
      priority: -2,
      priorityHandoverDelayMs: -3,
    }),
  );
  assert.deepEqual(message.split('\n'), [
    'id: "x" is not one of the members (a, b, c)',
    'priority: expected a whole number ≥ 0; got -2',
    'priorityHandoverDelayMs: expected a duration ≥ 0 milliseconds; got -3',
  ]);
});
