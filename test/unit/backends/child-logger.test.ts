import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { childLogger } from '../../../src/backends/child-logger.js';
import { ElectorError } from '../../../src/core/errors.js';
import { LogLineCheck } from '../../../lab/log-line-check.js';

describe('childLogger', () => {
  test('binds the keys the logger lacks and leaves out those it carries with the same value', () => {
    const check = new LogLineCheck('root');
    const lines: string[] = [];
    const root = pino(
      { base: { id: 'pod-0', backend: 'etcd', election: 'orders' } },
      check.destination((line) => lines.push(line)),
    );
    const child = childLogger(root, { backend: 'etcd', election: 'orders', memberId: 'pod-0' });
    childLogger(child, { backend: 'etcd' }).info({ event: 'e' }, 'hello');
    assert.equal(check.assertClean(), 1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.deepEqual(
      [line.id, line.backend, line.election, line.memberId],
      ['pod-0', 'etcd', 'orders', 'pod-0'],
    );
  });

  test('returns the logger itself when every key is already bound', () => {
    const root = pino({ base: { backend: 'raft' } });
    assert.equal(childLogger(root, { backend: 'raft' }), root);
  });

  test('throws INTERNAL when a key is bound with another value, since a line cannot hold both', () => {
    const root = pino({ base: { backend: 'raft' } });
    assert.throws(
      () => childLogger(root, { backend: 'etcd' }),
      (error: unknown) =>
        error instanceof ElectorError &&
        error.code === 'INTERNAL' &&
        error.message.includes('backend is already bound to "raft"'),
    );
  });
});
