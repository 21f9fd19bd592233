// Who may POST /leader/resign: requests from real sockets on loopback, some bound to 127.0.0.6
// (where a service-mesh proxy such as Istio's connects from), against each --resign-policy.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { isResignAllowed, type ResignPolicy } from '../../../src/http/resign-policy.js';
import { startTestApi, type TestApi } from './test-api.js';
import { stillBackend } from './still-backend.js';

const follower = stillBackend('etcd', {
  leader: 'member-1',
  leaderAddress: null,
  fencingToken: 1n,
  isSelf: false,
  leaseExpiresAt: null,
  term: 1n,
  role: 'follower',
});

interface Answer {
  readonly status: number;
  readonly code: string | null;
}

const errorBody = z.object({ error: z.object({ code: z.string() }) });

/** POSTs /leader/resign from `localAddress`; the code is the error body's, if any. */
function resign(port: number, localAddress: string, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/leader/resign',
        headers: authorization === undefined ? {} : { Authorization: authorization },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const parsed = errorBody.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          resolve({
            status: response.statusCode ?? 0,
            code: parsed.success ? parsed.data.error.code : null,
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function startApi(resignPolicy: ResignPolicy): Promise<TestApi> {
  return startTestApi({ backend: follower, resignPolicy });
}

// A follower answers NOT_LEADER (409) once the caller is allowed: the policy let it through.
const allowed: Answer = { status: 409, code: 'NOT_LEADER' };
const forbidden: Answer = { status: 403, code: 'FORBIDDEN' };

describe('resign authorization', () => {
  const token = 'resign-token-0123456789';
  const apis = new Map<ResignPolicy['kind'], { port: number; close(): void }>();

  before(async () => {
    apis.set('loopback', await startApi({ kind: 'loopback' }));
    apis.set('token', await startApi({ kind: 'token', token }));
    apis.set('loopback-or-token', await startApi({ kind: 'loopback-or-token', token }));
  });

  after(() => {
    for (const api of apis.values()) api.close();
  });

  const portOf = (kind: ResignPolicy['kind']): number => {
    const api = apis.get(kind);
    if (api === undefined) throw new Error(`no API for ${kind}`);
    return api.port;
  };

  test('loopback: a caller on 127.0.0.1 may resign', async () => {
    assert.deepEqual(await resign(portOf('loopback'), '127.0.0.1'), allowed);
  });

  test('loopback: a caller from 127.0.0.6 (a service-mesh proxy) is refused with 403', async () => {
    assert.deepEqual(await resign(portOf('loopback'), '127.0.0.6'), forbidden);
  });

  test('loopback counts 127.0.0.1, ::1 and ::ffff:127.0.0.1 only', () => {
    const loopback: ResignPolicy = { kind: 'loopback' };
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      assert.equal(isResignAllowed(loopback, address, undefined), true, address);
    for (const address of [
      '127.0.0.6',
      '127.1.2.3',
      '::ffff:127.0.0.6',
      '10.0.0.7',
      '::',
      '0:0:0:0:0:0:0:2',
      '',
      undefined,
    ])
      assert.equal(isResignAllowed(loopback, address, undefined), false, String(address));
  });

  test('token: a caller without the token is refused with 403, even on 127.0.0.1', async () => {
    assert.deepEqual(await resign(portOf('token'), '127.0.0.1'), forbidden);
  });

  test('token: a wrong token is refused with 403, whatever its length', async () => {
    const port = portOf('token');
    for (const wrong of [
      'Bearer resign-token-0123456780',
      'Bearer resign-token',
      `Bearer ${token}0`,
      'Bearer ',
      `Basic ${token}`,
      token,
      `bearer${token}`,
    ])
      assert.deepEqual(await resign(port, '127.0.0.1', wrong), forbidden, wrong);
  });

  test('token: the right token is accepted from any source', async () => {
    assert.deepEqual(await resign(portOf('token'), '127.0.0.6', `Bearer ${token}`), allowed);
  });

  test('loopback-or-token: 127.0.0.6 needs the token', async () => {
    const port = portOf('loopback-or-token');
    assert.deepEqual(await resign(port, '127.0.0.6'), forbidden);
    assert.deepEqual(await resign(port, '127.0.0.6', 'Bearer wrong'), forbidden);
    assert.deepEqual(await resign(port, '127.0.0.6', `Bearer ${token}`), allowed);
    assert.deepEqual(await resign(port, '127.0.0.1'), allowed);
  });
});
