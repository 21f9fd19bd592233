// POST /leader/resign?to=<id>: the member named reaches the backend, a malformed one is refused
// before the backend is asked, and the backend's refusal is answered as TRANSFER_FAILED while
// the leader keeps leading.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { z } from 'zod';
import type { ElectionState } from '../../../src/backends/backend.js';
import { ElectorError } from '../../../src/core/errors.js';
import { startTestApi, type TestApi } from './test-api.js';
import { stillBackend } from './still-backend.js';

const leading: ElectionState = {
  leader: 'member-0',
  leaderAddress: '127.0.0.1:4040',
  fencingToken: 7n,
  isSelf: true,
  leaseExpiresAt: null,
  term: 7n,
  role: 'leader',
};

const answerSchema = z.object({
  resigned: z.boolean().optional(),
  confirmed: z.boolean().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** Each resign call's target (null: none named), in order. */
const calls: (string | null)[] = [];
const backend = {
  ...stillBackend('raft', leading),
  resign(_signal: AbortSignal, to?: string): Promise<void> {
    calls.push(to ?? null);
    if (to === 'member-9' || to === 'member-0') {
      return Promise.reject(
        new ElectorError(
          'TRANSFER_FAILED',
          `leadership transfer refused: "${to}" is not another voting member`,
        ),
      );
    }
    return Promise.resolve();
  },
};

async function post(
  api: TestApi,
  query: string,
): Promise<{ status: number; body: z.infer<typeof answerSchema> }> {
  const response = await fetch(`${api.url}/leader/resign${query}`, { method: 'POST' });
  return { status: response.status, body: answerSchema.parse(await response.json()) };
}

describe('POST /leader/resign?to=', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ backend });
  });
  after(() => {
    api.close();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  test('without to, the backend is asked to resign with no target, as before', async () => {
    const answer = await post(api, '');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.resigned, true);
    assert.deepEqual(calls, [null]);
  });

  test('with to, the backend is asked to hand over to exactly that member', async () => {
    const answer = await post(api, '?to=member-2');
    assert.equal(answer.status, 200);
    assert.deepEqual(calls, ['member-2']);
  });

  test("the backend's refusal answers 503 TRANSFER_FAILED with its reason", async () => {
    for (const to of ['member-9', 'member-0']) {
      const answer = await post(api, `?to=${to}`);
      assert.equal(answer.status, 503, to);
      const error = answer.body.error;
      assert.ok(error, to);
      assert.equal(error.code, 'TRANSFER_FAILED', to);
      assert.match(error.message, new RegExp(`"${to}" is not another`));
    }
    assert.deepEqual(calls, ['member-9', 'member-0']);
  });

  test('an empty, repeated, spaced or overlong to is refused with 400 before the backend is asked', async () => {
    for (const query of ['?to=', '?to=a&to=b', '?to=member%202', `?to=${'m'.repeat(254)}`]) {
      const answer = await post(api, query);
      assert.equal(answer.status, 400, query);
      const error = answer.body.error;
      assert.ok(error, query);
      assert.equal(error.code, 'BAD_REQUEST', query);
      assert.match(error.message, /^to: expected one member id/, query);
    }
    assert.deepEqual(calls, []);
  });
});

describe('POST /leader/resign when the resign timeout runs out first', () => {
  /** Whether the scripted backend has stopped acting by the time the caller's time runs out. */
  let stopsActing = false;
  let isActing = true;
  const slowBackend = {
    ...stillBackend('kubernetes', leading),
    current: (): ElectionState => (isActing ? leading : { ...leading, isSelf: false }),
    // Like the Lease once the named member accepted: it has stopped acting and is still writing
    // the member in when the time given runs out; it rejects with the signal's reason.
    resign(signal: AbortSignal): Promise<void> {
      if (stopsActing) isActing = false;
      return new Promise((_resolve, reject) => {
        signal.addEventListener(
          'abort',
          () => {
            reject(signal.reason as Error);
          },
          { once: true },
        );
      });
    },
  };
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ backend: slowBackend, resignTimeoutMs: 50 });
  });
  after(() => {
    api.close();
  });
  beforeEach(() => {
    isActing = true;
  });

  test('a member that stopped acting answers 202: resigned, the successor not confirmed yet', async () => {
    stopsActing = true;
    const answer = await post(api, '?to=member-2');
    assert.equal(answer.status, 202);
    assert.equal(answer.body.resigned, true);
    assert.equal(answer.body.confirmed, false);
  });

  test('a member that still acts answers 503 TRANSFER_FAILED naming the resign timeout', async () => {
    stopsActing = false;
    const answer = await post(api, '?to=member-2');
    assert.equal(answer.status, 503);
    const error = answer.body.error;
    assert.ok(error);
    assert.equal(error.code, 'TRANSFER_FAILED');
    assert.match(error.message, /within the resign timeout \(50 ms\).*still leads/);
  });
});
