// A bounded fuzz of the HTTP API's query parsing: the ?wait= duration on its own, then random
// query strings and paths against a real server. Nothing throws, malformed input is answered
// 400 BAD_REQUEST (or 404), never accepted as a long-poll and never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { parseDurationMs } from '../../../src/config/duration.js';
import { HttpCapacity } from '../../../src/http/http-capacity.js';
import { startTestApi } from './test-api.js';
import { stillBackend } from './still-backend.js';

const fuzzRuns = { durations: 2000, queries: 250, paths: 150 } as const;

const maxWaitMs = 300_000;

/** Text an attacker might put in a query: printable, any Unicode, and percent escapes. */
const queryText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('%', '%E0', '%ZZ', '%00', '&', '=', '[', ']', '+', '#'),
        fc.string({ maxLength: 4 }),
      ),
      {
        maxLength: 10,
      },
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('30s', '5m', '5m0.001s', '-1s', '1e3', '0', '300000', '300001', '1h', '.5s', 's'),
);

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

describe('fuzz: HTTP API query parsing', () => {
  let url = '';
  let close: () => void = () => undefined;
  const capacity = new HttpCapacity({ maxConnections: 64, maxStreams: 8, maxLongPolls: 8 });

  before(async () => {
    const api = await startTestApi({
      backend: stillBackend('etcd', {
        leader: 'member-1',
        leaderAddress: null,
        fencingToken: 1n,
        isSelf: false,
        leaseExpiresAt: null,
        term: 1n,
        role: 'follower',
      }),
      maxWaitMs,
      capacity,
    });
    url = api.url;
    close = () => {
      api.close();
    };
  });

  after(() => {
    close();
  });

  test('a ?wait= text never throws, and parses to whole milliseconds or is refused', () => {
    fc.assert(
      fc.property(queryText, (text) => {
        const parsed = parseDurationMs(text);
        assert.ok(parsed === null || (Number.isSafeInteger(parsed) && parsed >= 0), String(parsed));
      }),
      { numRuns: fuzzRuns.durations },
    );
  });

  test('GET /leader with a random query answers 200, or 400 BAD_REQUEST for a malformed wait; never 500 and never a long-poll left waiting', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('wait', 'x', 'wait[]', 'wait[a]'), queryText), {
          maxLength: 3,
        }),
        async (pairs) => {
          const query = pairs
            .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
            .join('&');
          // A stale tag, so a valid wait answers at once instead of waiting.
          const response = await fetch(`${url}/leader?${query}`, {
            headers: { 'If-None-Match': '"stale"' },
          });
          const text = await response.text();
          assert.ok(
            [200, 400].includes(response.status),
            `${response.status} for ?${query}: ${text}`,
          );
          if (response.status === 400) {
            assert.equal(errorBody.parse(JSON.parse(text)).error.code, 'BAD_REQUEST');
            const waits = pairs.filter(([key]) => key === 'wait');
            const single = waits.length === 1 ? (waits[0]?.[1] ?? '') : null;
            const parsed = single === null ? null : parseDurationMs(single);
            assert.ok(parsed === null || parsed > maxWaitMs, `refused a valid wait: ?${query}`);
          }
        },
      ),
      { numRuns: fuzzRuns.queries },
    );
    assert.equal(capacity.open('long-polls'), 0, 'no long-poll was left waiting');
  });

  test('random raw paths and query strings never get a 500', async () => {
    await fc.assert(
      fc.asyncProperty(queryText, queryText, async (path, query) => {
        const target = `${url}/${path.replace(/[#?]/g, '')}?${query.replace(/#/g, '')}`;
        let response: Response;
        try {
          response = await fetch(target, { headers: { 'If-None-Match': '"stale"' } });
        } catch (error) {
          // A URL fetch itself refuses to send is not the server's doing.
          assert.ok(error instanceof TypeError, String(error));
          return;
        }
        const text = await response.text();
        assert.ok(response.status < 500, `${response.status} for ${target}: ${text}`);
      }),
      { numRuns: fuzzRuns.paths },
    );
  });
});
