// `elector resign` against a scripted sidecar: what it prints and returns for each answer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const servers: Server[] = [];

/** A body sent exactly as written, even when it is not JSON. */
class RawText {
  constructor(readonly text: string) {}
}
after(() => {
  for (const server of servers) server.close();
});

/** A sidecar that answers every POST /leader/resign with `status` and `body` (raw text as is). */
async function sidecar(status: number, body: unknown): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body instanceof RawText ? body.text : JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Runs `elector resign` with `argv` in a child process (node:test reports on this process's
 * stdout, which must stay untouched) and returns its exit code and output.
 */
async function resign(
  argv: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', cli, 'resign', ...argv], (error, out, err) => {
      resolve({ code: error === null ? 0 : Number(error.code), out, err });
    });
  });
}

test('200: says the leadership was handed over to the member named, and who leads now', async () => {
  const url = await sidecar(200, { resigned: true, leader: { id: 'member-2' } });
  const result = await resign(['--url', url, '--to', 'member-2']);
  assert.deepEqual(result, {
    code: 0,
    out: 'handed over to member-2; leader now member-2\n',
    err: '',
  });
});

test('202: says this member resigned but the handover is not confirmed yet, not that it happened', async () => {
  const url = await sidecar(202, { resigned: true, confirmed: false, leader: { id: null } });
  const named = await resign(['--url', url, '--to', 'member-2']);
  assert.deepEqual(named, {
    code: 0,
    out: 'resigned; the handover to member-2 is not confirmed yet; leader now not yet known\n',
    err: '',
  });
  const unnamed = await resign(['--url', url]);
  assert.equal(unnamed.out, 'resigned; no successor confirmed yet; leader now not yet known\n');
});

test("503: prints the sidecar's refusal and returns 1", async () => {
  const url = await sidecar(503, {
    error: {
      code: 'TRANSFER_FAILED',
      message: 'leadership transfer refused: "member-9" is unknown',
    },
  });
  const result = await resign(['--url', url, '--to', 'member-9']);
  assert.equal(result.code, 1);
  assert.equal(
    result.err,
    'elector resign: refused: TRANSFER_FAILED: leadership transfer refused: "member-9" is unknown\n',
  );
});

test('an answer labelled JSON that is not JSON is reported with its status and text, not thrown', async () => {
  const url = await sidecar(503, new RawText('{"error": upstream down'));
  const result = await resign(['--url', url]);
  assert.deepEqual(result, {
    code: 1,
    out: '',
    err: 'elector resign: refused: 503 {"error": upstream down\n',
  });
});
