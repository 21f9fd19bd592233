// The HTTP API's error answers as docs/errors.md documents them: for each row of its "HTTP API
// answers" table, a request to a real server on loopback gets that status and code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { ElectorError } from '../../../src/core/errors.js';
import type { ResignPolicy } from '../../../src/http/resign-policy.js';
import { httpErrorStatuses } from '../../../src/http/responses.js';
import { HttpCapacity } from '../../../src/http/http-capacity.js';
import { startTestApi, type TestApi } from './test-api.js';

/** Rows of the "HTTP API answers" table: code (or the words in its first cell) -> status. */
function documentedAnswers(): Map<string, number> {
  const documentation = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const start = documentation.indexOf('\n## HTTP API answers\n');
  assert.ok(start >= 0, 'docs/errors.md has a section "HTTP API answers"');
  const rows = documentation.slice(start).matchAll(/^\| `?([A-Za-z_ ]+?)`? +\| (\d{3}) +\|/gm);
  return new Map([...rows].map(([, code = '', status = '']) => [code, Number(status)]));
}

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A backend whose acting and resign outcome each scenario sets. */
class ScriptedBackend {
  isSelf = false;
  resignFailure: Error | null = null;

  readonly backend: ElectionBackend = {
    name: 'etcd',
    start: () => Promise.resolve(),
    stopped: () => Promise.resolve(),
    current: (): ElectionState => ({
      leader: this.isSelf ? 'member-0' : null,
      leaderAddress: null,
      fencingToken: 1n,
      isSelf: this.isSelf,
      leaseExpiresAt: null,
      term: 1n,
      role: this.isSelf ? 'leader' : 'follower',
    }),
    onChange: () => () => undefined,
    resign: () =>
      this.resignFailure === null ? Promise.resolve() : Promise.reject(this.resignFailure),
    setEligible: () => undefined,
    isReady: () => true,
    members: () => [],
  };
}

async function startApi(
  backend: ElectionBackend,
  resignPolicy: ResignPolicy,
  capacity = new HttpCapacity({ maxConnections: 64, maxStreams: 8, maxLongPolls: 8 }),
): Promise<TestApi> {
  return startTestApi({ backend, resignPolicy, capacity });
}

describe('HTTP error answers', () => {
  const scripted = new ScriptedBackend();
  let open: TestApi;
  let tokenOnly: TestApi;
  let full: TestApi;

  before(async () => {
    open = await startApi(scripted.backend, { kind: 'loopback' });
    tokenOnly = await startApi(scripted.backend, { kind: 'token', token: 'secret' });
    // Its one stream slot is taken before any request, so a watch finds the cap reached.
    const oneStream = new HttpCapacity({ maxConnections: 64, maxStreams: 1, maxLongPolls: 1 });
    assert.notEqual(oneStream.take('streams'), null);
    full = await startApi(scripted.backend, { kind: 'loopback' }, oneStream);
  });

  after(() => {
    open.close();
    tokenOnly.close();
    full.close();
  });

  /** One request per documented row, with what the backend does meanwhile. */
  const scenarios: Record<string, () => Promise<Response>> = {
    BAD_REQUEST: () => fetch(`${open.url}/leader?wait=soon`),
    FORBIDDEN: () => fetch(`${tokenOnly.url}/leader/resign`, { method: 'POST' }),
    NOT_FOUND: () => fetch(`${open.url}/no-such-endpoint`),
    METHOD_NOT_ALLOWED: () => fetch(`${open.url}/leader`, { method: 'DELETE' }),
    CAPACITY_EXCEEDED: () => fetch(`${full.url}/leader/watch`),
    NOT_LEADER: () => {
      scripted.isSelf = false;
      return fetch(`${open.url}/leader/resign`, { method: 'POST' });
    },
    TRANSFER_FAILED: () => {
      scripted.isSelf = true;
      scripted.resignFailure = new ElectorError('TRANSFER_FAILED', 'no eligible peer');
      return fetch(`${open.url}/leader/resign`, { method: 'POST' });
    },
    INTERNAL: () => {
      scripted.isSelf = true;
      scripted.resignFailure = new Error('a bug');
      return fetch(`${open.url}/leader/resign`, { method: 'POST' });
    },
    'any other code above': () => {
      scripted.isSelf = true;
      scripted.resignFailure = new ElectorError('BACKEND_UNAVAILABLE', 'etcd is down');
      return fetch(`${open.url}/leader/resign`, { method: 'POST' });
    },
  };
  const expectedCode: Record<string, string> = { 'any other code above': 'BACKEND_UNAVAILABLE' };

  test('the documented table covers exactly the scripted cases, and its statuses are the ones the server sets', () => {
    const documented = documentedAnswers();
    assert.deepEqual([...documented.keys()].sort(), Object.keys(scenarios).sort());
    for (const [code, status] of Object.entries(httpErrorStatuses))
      assert.equal(documented.get(code), status, `${code} in docs/errors.md`);
  });

  for (const [row, request] of Object.entries(scenarios)) {
    test(`${row}: the server answers with the documented status and code`, async () => {
      const status = documentedAnswers().get(row);
      assert.ok(status !== undefined, `docs/errors.md documents ${row}`);
      const response = await request();
      const body = errorBody.parse(await response.json());
      assert.equal(response.status, status);
      assert.equal(body.error.code, expectedCode[row] ?? row);
      assert.ok(body.error.message.length > 0);
    });
  }
});
