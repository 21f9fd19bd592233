import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import {
  HttpStatusError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubernetesApiError,
  MalformedResponseError,
  RequestAbortedError,
  RequestTimeoutError,
  toKubernetesError,
} from '../../../src/kubernetes/api-errors.js';

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason,
    code,
  });
}

describe('mapping Kubernetes API failures to ElectorError', () => {
  const cases = [
    {
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on pods "web-0": the object has been modified; please apply your changes to the latest version and try again',
      retryable: true,
    },
    {
      code: 409,
      reason: 'AlreadyExists',
      message: 'leases.coordination.k8s.io "orders" already exists',
      retryable: true,
    },
    { code: 404, reason: 'NotFound', message: 'pods "web-9" not found', retryable: false },
    {
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "web-0" is forbidden: User "system:serviceaccount:shop:elector" cannot patch resource "pods" in API group "" in the namespace "shop"',
      retryable: false,
    },
    {
      code: 422,
      reason: 'Invalid',
      message: 'Pod "web-0" is invalid: metadata.labels: Invalid value',
      retryable: false,
    },
    { code: 401, reason: 'Unauthorized', message: 'Unauthorized', retryable: false },
    { code: 410, reason: 'Expired', message: 'too old resource version: 1 (20)', retryable: true },
    { code: 429, reason: 'TooManyRequests', message: 'too many requests', retryable: true },
    {
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: etcd',
      retryable: true,
    },
    {
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'the server is currently unable to handle the request',
      retryable: true,
    },
    {
      code: 504,
      reason: 'Timeout',
      message: 'the server was unable to return a response in the time allotted',
      retryable: true,
    },
  ] as const;

  for (const example of cases) {
    test(`a ${example.code} ${example.reason} Status becomes KUBERNETES_API_ERROR with retryable ${example.retryable}`, () => {
      const mapped = toKubernetesError(
        new HttpStatusError(example.code, status(example.code, example.reason, example.message)),
        'patch pod shop/web-0',
      );
      assert.ok(mapped instanceof KubernetesApiError);
      assert.equal(mapped.code, 'KUBERNETES_API_ERROR');
      assert.equal(mapped.statusCode, example.code);
      assert.equal(mapped.reason, example.reason);
      assert.equal(mapped.retryable, example.retryable);
      assert.equal(mapped.operation, 'patch pod shop/web-0');
      assert.ok(
        mapped.message.startsWith(
          `kubernetes patch pod shop/web-0 failed with ${example.code} ${example.reason}: ${example.message}`,
        ),
        mapped.message,
      );
    });
  }

  test('a Forbidden message tells the operator to grant the permission in the Role', () => {
    const mapped = toKubernetesError(
      new HttpStatusError(403, status(403, 'Forbidden', 'no')),
      'list pods',
    );
    assert.match(mapped.message, /grant this verb on this resource in the Role/);
  });

  test('the predicates tell Conflict, AlreadyExists and NotFound apart', () => {
    const conflict = toKubernetesError(
      new HttpStatusError(409, status(409, 'Conflict', 'x')),
      'op',
    );
    const exists = toKubernetesError(
      new HttpStatusError(409, status(409, 'AlreadyExists', 'x')),
      'op',
    );
    const missing = toKubernetesError(new HttpStatusError(404, status(404, 'NotFound', 'x')), 'op');
    assert.deepEqual(
      [isConflict(conflict), isAlreadyExists(conflict), isNotFound(conflict)],
      [true, false, false],
    );
    assert.deepEqual(
      [isConflict(exists), isAlreadyExists(exists), isNotFound(exists)],
      [false, true, false],
    );
    assert.deepEqual(
      [isConflict(missing), isAlreadyExists(missing), isNotFound(missing)],
      [false, false, true],
    );
  });

  test('a body that is not a Status keeps its text and takes the reason from the code', () => {
    const mapped = toKubernetesError(
      new HttpStatusError(502, '<html>bad gateway</html>'),
      'get lease',
    );
    assert.equal(mapped.reason, 'Unknown');
    assert.equal(mapped.retryable, true);
    assert.match(mapped.message, /502 Unknown: <html>bad gateway<\/html>/);
    const plain = toKubernetesError(new HttpStatusError(503, ''), 'get lease');
    assert.equal(plain.reason, 'ServiceUnavailable');
  });

  test('client-node ApiExceptions are mapped the same way as raw answers', () => {
    const mapped = toKubernetesError(
      new ApiException(
        409,
        'Conflict',
        status(409, 'Conflict', 'the object has been modified'),
        {},
      ),
      'replace lease',
    );
    assert.equal(mapped.reason, 'Conflict');
    assert.equal(mapped.retryable, true);
    assert.match(mapped.message, /the object has been modified/);
  });

  test('a request without an answer in time is a retryable Timeout that names the deadline', () => {
    const mapped = toKubernetesError(new RequestTimeoutError(250), 'get pod');
    assert.deepEqual([mapped.statusCode, mapped.reason, mapped.retryable], [0, 'Timeout', true]);
    assert.equal(mapped.message, 'kubernetes get pod failed: no answer within 250 ms');
  });

  test('refused and reset connections are retryable network errors', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH']) {
      const error = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
      const mapped = toKubernetesError(error, 'get pod');
      assert.deepEqual([mapped.reason, mapped.retryable], ['NetworkError', true], code);
      assert.match(mapped.message, new RegExp(code));
    }
  });

  test('a caller abort is not retryable, and a malformed answer is', () => {
    assert.equal(toKubernetesError(new RequestAbortedError(), 'x').retryable, false);
    assert.equal(toKubernetesError(new RequestAbortedError(), 'x').reason, 'Aborted');
    const malformed = toKubernetesError(new MalformedResponseError('not JSON'), 'x');
    assert.deepEqual([malformed.reason, malformed.retryable], ['MalformedResponse', true]);
  });

  test('any other error is a non-retryable client error, and mapping twice changes nothing', () => {
    const mapped = toKubernetesError(new TypeError('HTTP protocol is not allowed'), 'get pod');
    assert.deepEqual([mapped.reason, mapped.retryable], ['ClientError', false]);
    assert.equal(mapped.cause instanceof TypeError, true);
    assert.equal(toKubernetesError(mapped, 'other'), mapped);
  });
});
