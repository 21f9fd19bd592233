// HTTP hooks check the certificate of any host but loopback, and no log line of a hook or an
// HTTP probe carries the user info of its URL.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createProbe } from '../../../src/workload/create-probe.js';
import { createHealthGate } from '../../../src/workload/health-gate.js';
import { createLeadershipHooks } from '../../../src/workload/hooks.js';
import type { HookSpec } from '../../../src/workload/hook-runner.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';
import { createServingCertificate } from '../../../lab/kube-apiserver/tls.js';
import { freePort } from '../../../lab/free-port.js';
import { waitFor } from '../../../lab/wait-for.js';
import { captureLogger, monotonicClock, recordEvents, whileRunning } from './fixtures.js';

/** An HTTPS server with a self-signed certificate for 127.0.0.1: 204 on /hook, 500 elsewhere. */
async function startHttpsServer(host: string): Promise<{ server: Server; port: number }> {
  const { key, cert } = await createServingCertificate();
  const server = createServer({ key, cert }, (request, response) => {
    request.resume();
    response.writeHead(request.url === '/hook' ? 204 : 500).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs `hook` once as became-leader; resolves with its run event and the log lines. */
async function runOnce(hook: HookSpec) {
  const { events, observe } = recordEvents();
  const { logger, lines } = captureLogger();
  const hooks = createLeadershipHooks({
    election: 'orders',
    onBecameLeader: hook,
    clock: monotonicClock,
    logger,
    observe,
  });
  hooks.update({ isSelf: true, leader: 'web-0', fencingToken: 1n, term: 1n });
  await hooks.drain(AbortSignal.timeout(10_000));
  const run = events.find(
    (event): event is Extract<WorkloadEvent, { type: 'hook-run' }> => event.type === 'hook-run',
  );
  assert.ok(run !== undefined, 'the hook ran');
  return { run, lines, logText: lines.map((line) => JSON.stringify(line)).join('\n') };
}

describe('HTTP hook security', () => {
  let loopback: { server: Server; port: number };
  // Linux routes all of 127/8 to the loopback device, but only 127.0.0.1, ::1 and localhost
  // count as loopback for the certificate rule, so 127.0.0.2 stands in for a remote host.
  let remote: { server: Server; port: number };

  before(async () => {
    loopback = await startHttpsServer('127.0.0.1');
    remote = await startHttpsServer('127.0.0.2');
  });

  after(() => {
    for (const { server } of [loopback, remote]) {
      server.closeAllConnections();
      server.close();
    }
  });

  test('an https hook on 127.0.0.1 or localhost is sent without checking its certificate', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = new URL(`https://${host}:${loopback.port}/hook`);
      const { run } = await runOnce({ kind: 'http', url });
      assert.equal(run.result, 'success', host);
    }
  });

  test('an https hook to any other host is refused when its certificate is not trusted', async () => {
    const url = new URL(`https://127.0.0.2:${remote.port}/hook`);
    const { run, lines } = await runOnce({ kind: 'http', url });
    assert.equal(run.result, 'failure');
    const warning = lines.find((line) => line.event === 'hook.failure');
    assert.match(String(warning?.detail), /self-signed certificate/);
  });

  test('a hook URL with user info is logged with ***@ in its place, the password never', async () => {
    for (const [path, expected] of [
      ['/fail', 'failure'],
      ['/hook', 'success'],
    ] as const) {
      const url = new URL(`https://alice:s3cret@127.0.0.1:${loopback.port}${path}`);
      const { run, logText } = await runOnce({ kind: 'http', url });
      assert.equal(run.result, expected);
      assert.ok(!logText.includes('s3cret'), logText);
      assert.ok(!logText.includes('alice'), logText);
    }
    const refused = new URL(`http://alice:s3cret@127.0.0.1:${await freePort()}/hook`);
    const { run, lines, logText } = await runOnce({ kind: 'http', url: refused });
    assert.equal(run.result, 'failure');
    assert.ok(!logText.includes('s3cret'), logText);
    const warning = lines.find((line) => line.event === 'hook.failure');
    assert.match(String(warning?.detail), /^POST http:\/\/\*\*\*@127\.0\.0\.1:\d+\/hook: /);
  });

  test('an HTTP probe URL with user info never reaches the log with its password', async () => {
    const { logger, lines } = captureLogger();
    const url = new URL(`https://alice:s3cret@127.0.0.1:${loopback.port}/hook`);
    const gate = createHealthGate({
      probe: createProbe({ kind: 'http', url }),
      clock: monotonicClock,
      logger,
      periodMs: 1000,
      timeoutMs: 1000,
      failureThreshold: 1,
      initialDelayMs: 0,
    });
    await whileRunning(gate, () =>
      waitFor(() => lines.find((line) => line.event === 'workload.healthy'), {
        timeoutMs: 5000,
        what: 'the probe (answered 204) to be logged as healthy',
      }),
    );
    const logText = lines.map((line) => JSON.stringify(line)).join('\n');
    assert.ok(!logText.includes('s3cret'), logText);
    assert.match(logText, /GET https:\/\/\*\*\*@127\.0\.0\.1:\d+\/hook/);
  });
});
