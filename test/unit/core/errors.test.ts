import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { assertNever, ElectorError } from '../../../src/core/errors.js';

test('an ElectorError carries its code and message, is named so in logs, and is not retryable unless said', () => {
  const error = new ElectorError('BACKEND_UNAVAILABLE', 'etcd did not answer');
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'BACKEND_UNAVAILABLE');
  assert.equal(error.message, 'etcd did not answer');
  assert.equal(error.name, 'ElectorError');
  assert.match(String(error.stack), /^ElectorError: etcd did not answer/);
  assert.equal(error.retryable, false);
});

test('an ElectorError says it is retryable when told so', () => {
  assert.equal(new ElectorError('LEASE_LOST', 'lost', { retryable: true }).retryable, true);
  assert.equal(new ElectorError('LEASE_LOST', 'lost', { retryable: false }).retryable, false);
});

test('an ElectorError keeps the error it wraps as its cause, and shows none when it wraps none', () => {
  const cause = new Error('ECONNREFUSED');
  const wrapped = new ElectorError('BACKEND_UNAVAILABLE', 'etcd did not answer', { cause });
  assert.equal(wrapped.cause, cause);
  assert.match(inspect(wrapped), /\[cause\]: Error: ECONNREFUSED/);
  const plain = new ElectorError('BACKEND_UNAVAILABLE', 'etcd did not answer');
  assert.equal(Object.hasOwn(plain, 'cause'), false);
  assert.doesNotMatch(inspect(plain), /\[cause\]/);
});

test('assertNever throws an INTERNAL ElectorError that names the unexpected value', () => {
  assert.throws(
    () => assertNever('surprise' as never),
    (error: unknown) =>
      error instanceof ElectorError &&
      error.code === 'INTERNAL' &&
      error.message === 'unexpected value: "surprise"',
  );
});
