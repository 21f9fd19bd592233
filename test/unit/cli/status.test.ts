import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeFetchFailure } from '../../../src/cli/fetch-failure.js';
import { runStatus } from '../../../src/cli/status.js';
import { ElectorError } from '../../../src/core/errors.js';
import { freePort } from '../../../lab/free-port.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

async function listening(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function statusFailure(argv: readonly string[]): Promise<ElectorError> {
  return runStatus(argv).then(
    () => assert.fail('expected elector status to fail'),
    (error: unknown) => {
      assert.ok(error instanceof ElectorError, String(error));
      return error;
    },
  );
}

test('a refused connection names the URL and says refused', async () => {
  const port = await freePort();
  const error = await statusFailure(['--url', `http://127.0.0.1:${port}`]);
  assert.equal(error.code, 'SIDECAR_UNREACHABLE');
  assert.equal(error.retryable, true);
  assert.match(
    error.message,
    new RegExp(
      `^GET http://127\\.0\\.0\\.1:${port}/cluster/status: connection refused .*\\[ECONNREFUSED\\]$`,
    ),
  );
});

test('a sidecar that accepts but never answers is named as timed out after --timeout', async () => {
  const port = await listening(createServer((socket) => sockets.push(socket)));
  const error = await statusFailure(['--url', `http://127.0.0.1:${port}`, '--timeout', '200ms']);
  assert.equal(error.code, 'SIDECAR_UNREACHABLE');
  assert.match(error.message, /cluster\/status: no answer within 200 ms \(timed out\)$/);
});

test('a name that does not resolve is named as a DNS failure', async () => {
  const error = await statusFailure(['--url', 'http://elector-status-test.invalid:4040']);
  assert.equal(error.code, 'SIDECAR_UNREACHABLE');
  assert.match(
    error.message,
    /^GET http:\/\/elector-status-test\.invalid:4040\/cluster\/status: .*DNS/,
  );
});

test('an error answer is named with its status and body', async () => {
  const server = createHttpServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":{"code":"NOT_FOUND"}}');
  });
  const port = await listening(server);
  const error = await statusFailure(['--url', `http://127.0.0.1:${port}`]);
  assert.equal(error.code, 'SIDECAR_UNREACHABLE');
  assert.match(error.message, /answered 404 Not Found: \{"error":\{"code":"NOT_FOUND"\}\}$/);
});

test('a bad --url, --timeout or unknown option is a usage error naming it', async () => {
  assert.match(
    (await statusFailure(['--url', 'localhost:4040'])).message,
    /--url: expected an http/,
  );
  assert.match(
    (await statusFailure(['--timeout', '3x'])).message,
    /--timeout: expected a duration/,
  );
  const twice = await statusFailure(['--url', 'http://a:1', '--url=http://b:2']);
  assert.equal(twice.code, 'CONFIG_INVALID');
  assert.match(
    twice.message,
    /^--url: given 2 times \("http:\/\/a:1" and "http:\/\/b:2"\); give it once$/,
  );
  const unknown = await statusFailure(['--urll', 'x']);
  assert.equal(unknown.code, 'CONFIG_INVALID');
  assert.match(unknown.message, /--urll/);
});

test('a failure of unknown kind keeps its own message', () => {
  assert.equal(
    describeFetchFailure(new TypeError('fetch failed', { cause: new Error('odd') }), 1),
    'odd',
  );
  const aggregate = new TypeError('fetch failed', {
    cause: Object.assign(
      new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      {},
    ),
  });
  assert.match(describeFetchFailure(aggregate, 1), /connection refused/);
});

test('a --url with user info is named without it when the status cannot be fetched', async () => {
  const port = await freePort();
  const error = await statusFailure(['--url', `http://alice:s3cret@127.0.0.1:${port}`]);
  assert.equal(error.code, 'SIDECAR_UNREACHABLE');
  assert.ok(!error.message.includes('s3cret'), error.message);
  assert.match(error.message, /^GET http:\/\/\*\*\*@127\.0\.0\.1:\d+\/cluster\/status: /);
});

test("the member's backend warnings are printed, one line each", async () => {
  const status = {
    self: 'web-0',
    election: 'orders',
    backend: 'zookeeper',
    ready: true,
    notReadyReason: null,
    warnings: ['ZooKeeper runs without auth: open ACL'],
    leader: { id: 'web-0', fencingToken: 7 },
    members: [],
  };
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(status));
  });
  const port = await listening(server);
  // In a child process: node:test reports on this process's stdout, which must stay untouched.
  const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    cli,
    'status',
    '--url',
    `http://127.0.0.1:${port}`,
  ]);
  assert.ok(stdout.includes('\nwarning: ZooKeeper runs without auth: open ACL\n'), stdout);
});

test("each member's priority and rank are columns, '-' where unknown or from an older sidecar", async () => {
  const status = {
    self: 'web-0',
    priority: 50,
    rank: 1,
    election: 'orders',
    backend: 'raft',
    ready: true,
    leader: { id: 'web-1', fencingToken: 7 },
    members: [
      {
        id: 'web-0',
        role: 'follower',
        term: 7,
        lastContactMs: 0,
        isReachable: true,
        priority: 50,
        rank: 1,
      },
      {
        id: 'web-1',
        role: 'leader',
        term: 7,
        lastContactMs: 12,
        isReachable: true,
        priority: 100,
        rank: 0,
      },
      {
        id: 'web-2',
        role: 'withdrawn',
        term: null,
        lastContactMs: null,
        isReachable: true,
        priority: null,
        rank: null,
      },
      { id: 'web-3', role: 'voter', term: null, lastContactMs: null, isReachable: false },
    ],
  };
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(status));
  });
  const port = await listening(server);
  const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    cli,
    'status',
    '--url',
    `http://127.0.0.1:${port}`,
  ]);
  const rows = stdout
    .trimEnd()
    .split('\n')
    .slice(-5)
    .map((line) => line.split(/ {2,}/).slice(0, 4));
  assert.deepEqual(rows, [
    ['MEMBER', 'ROLE', 'PRIORITY', 'RANK'],
    ['web-0', 'follower', '50', '1'],
    ['web-1', 'leader', '100', '0'],
    ['web-2', 'withdrawn', '-', '-'],
    ['web-3', 'voter', '-', '-'],
  ]);
});
