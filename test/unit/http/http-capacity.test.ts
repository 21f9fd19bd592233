// The HTTP API under a flood from any pod that reaches its port: event streams, long-polls and
// connections beyond their caps are answered 503 CAPACITY_EXCEEDED (or dropped), what is open
// stays bounded (counted, not timed), and the streams already open keep receiving events.
import assert from 'node:assert/strict';
import { get, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { waitFor } from '../../../lab/wait-for.js';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { HttpCapacity, type HttpLimitName } from '../../../src/http/http-capacity.js';
import { startTestApi } from './test-api.js';
import { stillBackend } from './still-backend.js';

const wait = { timeoutMs: 5000, intervalMs: 10 } as const;

function stateLedBy(leader: string, fencingToken: bigint): ElectionState {
  return {
    leader,
    leaderAddress: null,
    fencingToken,
    isSelf: false,
    leaseExpiresAt: null,
    term: fencingToken,
    role: 'follower',
  };
}

/** A backend whose leader the test changes, notifying its listeners as a real one does. */
class ChangingBackend {
  #state = stateLedBy('member-1', 1n);
  readonly #listeners = new Set<(next: ElectionState) => void>();
  readonly backend: ElectionBackend = {
    ...stillBackend('etcd', this.#state),
    current: () => this.#state,
    onChange: (listener) => {
      this.#listeners.add(listener);
      return () => this.#listeners.delete(listener);
    },
  };

  listeners(): number {
    return this.#listeners.size;
  }

  change(leader: string, fencingToken: bigint): void {
    this.#state = stateLedBy(leader, fencingToken);
    for (const listener of this.#listeners) listener(this.#state);
  }
}

interface RunningApi {
  readonly port: number;
  readonly server: Server;
  readonly capacity: HttpCapacity;
  readonly refusals: HttpLimitName[];
}

const running: Server[] = [];
after(() => {
  for (const server of running) {
    server.closeAllConnections();
    server.close();
  }
});

async function startApi(
  backend: ElectionBackend,
  limits: { maxConnections: number; maxStreams: number; maxLongPolls: number },
): Promise<RunningApi> {
  const refusals: HttpLimitName[] = [];
  const capacity = new HttpCapacity(limits, (limit) => refusals.push(limit));
  const { server, port } = await startTestApi({ backend, capacity });
  running.push(server);
  return { port, server, capacity, refusals };
}

/** An answer: the status and body text, or the error that ended the connection first. */
type Outcome = { status: number; body: string } | { error: string };

/** A GET on its own connection that resolves with the whole answer. */
function fetchOnce(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => {
        resolve({ error: error.message });
      });
    });
    request.on('error', (error) => {
      resolve({ error: error.message });
    });
  });
}

/** An event stream kept open: the `leader` events received so far. */
interface Stream {
  readonly response: IncomingMessage;
  events(): number;
  close(): void;
}

function openStream(port: number): Promise<Stream | Outcome> {
  return new Promise((resolve) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/leader/watch', agent: false },
      (response) => {
        if (response.statusCode !== 200) {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          return;
        }
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        response.on('error', () => undefined);
        resolve({
          response,
          events: () => text.split('event: leader\n').length - 1,
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', (error) => {
      resolve({ error: error.message });
    });
  });
}

function isStream(outcome: Stream | Outcome): outcome is Stream {
  return 'response' in outcome;
}

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function codeOf(outcome: Outcome): string | null {
  if (!('status' in outcome)) return null;
  const parsed = errorBody.safeParse(JSON.parse(outcome.body));
  return parsed.success ? parsed.data.error.code : null;
}

function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.getConnections((error, count) => {
      if (error === null) resolve(count);
      else reject(error);
    });
  });
}

describe('HTTP API caps', { timeout: 30_000 }, () => {
  test('a flood of event streams beyond the cap is refused with 503, and the open streams keep receiving events', async () => {
    const changing = new ChangingBackend();
    const api = await startApi(changing.backend, {
      maxConnections: 200,
      maxStreams: 4,
      maxLongPolls: 4,
    });
    const opened = await Promise.all(Array.from({ length: 4 }, () => openStream(api.port)));
    const streams = opened.filter(isStream);
    assert.equal(streams.length, 4, 'the streams within the cap open');
    await waitFor(() => streams.every((stream) => stream.events() === 1), {
      ...wait,
      what: 'the first event on every stream',
    });

    const flood = await Promise.all(Array.from({ length: 150 }, () => openStream(api.port)));
    const accepted = flood.filter(isStream);
    for (const stream of accepted) stream.close();
    assert.equal(accepted.length, 0, 'no stream beyond the cap was opened');
    const refused = flood.filter((outcome): outcome is Outcome => !isStream(outcome));
    assert.ok(
      refused.every((outcome) => 'status' in outcome && outcome.status === 503),
      'each was answered 503',
    );
    assert.ok(refused.every((outcome) => codeOf(outcome) === 'CAPACITY_EXCEEDED'));
    assert.equal(api.refusals.filter((limit) => limit === 'streams').length, 150);
    assert.equal(api.capacity.open('streams'), 4);
    assert.equal(changing.listeners(), 4, 'only the open streams listen to the backend');
    await waitFor(async () => (await connectionsOf(api.server)) === 4, {
      ...wait,
      what: 'the refused connections to close, leaving the 4 streams',
    });

    changing.change('member-2', 2n);
    await waitFor(() => streams.every((stream) => stream.events() === 2), {
      ...wait,
      what: 'the change to reach every open stream',
    });
    for (const stream of streams) stream.close();
    await waitFor(() => api.capacity.open('streams') === 0, {
      ...wait,
      what: 'closed streams to give their slots back',
    });
    const again = await openStream(api.port);
    assert.ok(isStream(again), 'a freed slot can be taken again');
    again.close();
  });

  test('long-polls beyond the cap are refused with 503, and the waiting ones are answered on a change', async () => {
    const changing = new ChangingBackend();
    const api = await startApi(changing.backend, {
      maxConnections: 200,
      maxStreams: 4,
      maxLongPolls: 3,
    });
    const etag = await new Promise<string>((resolve) => {
      get({ host: '127.0.0.1', port: api.port, path: '/leader', agent: false }, (response) => {
        response.resume();
        resolve(String(response.headers.etag));
      });
    });
    const poll = (): Promise<Outcome> =>
      fetchOnce(api.port, '/leader?wait=60s', { 'If-None-Match': etag });
    const waiting = [poll(), poll(), poll()];
    await waitFor(() => api.capacity.open('long-polls') === 3, {
      ...wait,
      what: 'three long-polls to wait',
    });
    const flood = await Promise.all(Array.from({ length: 50 }, poll));
    assert.ok(
      flood.every((outcome) => codeOf(outcome) === 'CAPACITY_EXCEEDED'),
      'every long-poll beyond the cap is answered 503 CAPACITY_EXCEEDED at once',
    );
    assert.equal(changing.listeners(), 3);
    changing.change('member-2', 2n);
    const answers = await Promise.all(waiting);
    assert.ok(answers.every((outcome) => 'status' in outcome && outcome.status === 200));
    assert.equal(api.capacity.open('long-polls'), 0);
  });

  test('connections beyond the cap are answered 503 or dropped, so a flood of idle sockets holds a bounded number', async (t) => {
    const api = await startApi(new ChangingBackend().backend, {
      maxConnections: 20,
      maxStreams: 4,
      maxLongPolls: 4,
    });
    const idle: Socket[] = [];
    t.after(() => {
      for (const socket of idle) socket.destroy();
    });
    for (let index = 0; index < 20; index += 1) {
      const socket = connect({ host: '127.0.0.1', port: api.port });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      idle.push(socket);
    }
    await waitFor(() => api.capacity.open('connections') === 20, {
      ...wait,
      what: 'the idle sockets to be counted',
    });
    const refused = await fetchOnce(api.port, '/healthz');
    assert.equal(codeOf(refused), 'CAPACITY_EXCEEDED', JSON.stringify(refused));
    assert.ok('status' in refused && refused.status === 503);
    const flood = await Promise.all(
      Array.from({ length: 100 }, () => fetchOnce(api.port, '/healthz')),
    );
    assert.ok(
      flood.every((outcome) => !('status' in outcome) || outcome.status === 503),
      'nothing beyond the cap is served',
    );
    assert.ok((await connectionsOf(api.server)) <= 20 + 16);
    for (const socket of idle) socket.destroy();
    await waitFor(
      async () => {
        const answer = await fetchOnce(api.port, '/healthz');
        return 'status' in answer && answer.status === 200;
      },
      { ...wait, what: 'the API to serve again once the idle sockets closed' },
    );
  });

  test('a handler failure answers 500 without its internal message', async () => {
    const backend: ElectionBackend = {
      ...new ChangingBackend().backend,
      current: () => ({ ...stateLedBy('member-0', 1n), isSelf: true, role: 'leader' }),
      resign: () => Promise.reject(new Error('EACCES: open /var/lib/elector/secret-path')),
    };
    const api = await startApi(backend, { maxConnections: 20, maxStreams: 4, maxLongPolls: 4 });
    const answer = await new Promise<Outcome>((resolve) => {
      const request = get(
        {
          host: '127.0.0.1',
          port: api.port,
          path: '/leader/resign',
          method: 'POST',
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      request.on('error', (error) => {
        resolve({ error: error.message });
      });
    });
    assert.ok('status' in answer && answer.status === 500);
    assert.equal(codeOf(answer), 'INTERNAL');
    assert.ok(!answer.body.includes('secret-path'), answer.body);
    assert.ok(!answer.body.includes('EACCES'), answer.body);
  });

  test('header, request and keep-alive timeouts are short', async () => {
    const api = await startApi(new ChangingBackend().backend, {
      maxConnections: 20,
      maxStreams: 4,
      maxLongPolls: 4,
    });
    assert.ok(api.server.headersTimeout <= 10_000, `headersTimeout ${api.server.headersTimeout}`);
    assert.ok(api.server.requestTimeout <= 30_000, `requestTimeout ${api.server.requestTimeout}`);
    assert.ok(api.server.keepAliveTimeout <= 5_000);
  });
});
