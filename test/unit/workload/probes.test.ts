import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createProbe } from '../../../src/workload/create-probe.js';
import { createHealthGate } from '../../../src/workload/health-gate.js';
import type { Probe, ProbeOutcome } from '../../../src/workload/probe.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';
import { freePort } from '../../../lab/free-port.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startWorkloadServer, type WorkloadServer } from '../../../lab/workload-server.js';
import { isProcessRunning, monotonicClock, recordEvents, whileRunning } from './fixtures.js';

const silent = pino({ level: 'silent' });

/** Runs one check, cut off (its signal aborted) after `timeoutMs`. */
async function checkOnce(probe: Probe, timeoutMs = 2000): Promise<ProbeOutcome> {
  return probe.check(AbortSignal.timeout(timeoutMs));
}

function failureReason(outcome: ProbeOutcome): string {
  return outcome.isHealthy ? 'healthy' : outcome.reason;
}

describe('health probes against a workload', () => {
  let workload: WorkloadServer;
  let directory: string;

  before(async () => {
    workload = await startWorkloadServer();
    directory = await mkdtemp(join(tmpdir(), 'elector-probes-'));
  });

  after(async () => {
    await workload.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('http: healthy on 200 and on a redirect, a status failure on 503', async () => {
    workload.setState('healthy');
    assert.deepEqual(
      await checkOnce(createProbe({ kind: 'http', url: new URL(workload.healthUrl) })),
      {
        isHealthy: true,
      },
    );
    const redirect = createProbe({ kind: 'http', url: new URL(workload.redirectUrl) });
    assert.deepEqual(await checkOnce(redirect), { isHealthy: true });
    workload.setState('unhealthy');
    const outcome = await checkOnce(
      createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
    );
    assert.equal(failureReason(outcome), 'status');
    assert.ok(!outcome.isHealthy && outcome.detail.endsWith(': 503'), JSON.stringify(outcome));
  });

  test('http: a workload that never answers is a timeout once the signal aborts', async () => {
    workload.setState('hang');
    const outcome = await checkOnce(
      createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
      50,
    );
    assert.equal(failureReason(outcome), 'timeout');
    workload.setState('healthy');
  });

  test('http: nothing listening is a connection failure', async () => {
    const port = await freePort();
    const outcome = await checkOnce(
      createProbe({ kind: 'http', url: new URL(`http://127.0.0.1:${port}/healthz`) }),
    );
    assert.equal(failureReason(outcome), 'connection');
  });

  test('tcp: healthy when the port accepts, a connection failure when nothing listens', async () => {
    const open = createProbe({ kind: 'tcp', host: '127.0.0.1', port: workload.port });
    assert.deepEqual(await checkOnce(open), { isHealthy: true });
    const closed = createProbe({ kind: 'tcp', host: '127.0.0.1', port: await freePort() });
    assert.equal(failureReason(await checkOnce(closed)), 'connection');
  });

  test('exec: healthy on exit code 0, an exit-code failure otherwise, with the output', async () => {
    assert.deepEqual(await checkOnce(createProbe({ kind: 'exec', command: 'true' })), {
      isHealthy: true,
    });
    const outcome = await checkOnce(
      createProbe({ kind: 'exec', command: 'echo "database is down"; exit 3' }),
    );
    assert.ok(!outcome.isHealthy, 'a failing command is unhealthy');
    assert.equal(outcome.reason, 'exit-code');
    assert.ok(outcome.detail.includes('exit code 3'), outcome.detail);
    assert.ok(outcome.detail.includes('database is down'), outcome.detail);
  });

  test('exec: a command that hangs is killed with everything it started at the timeout', async () => {
    const pidFile = join(directory, 'probe.pids');
    const command = `sleep 30 & echo "$$ $!" > ${pidFile}; wait`;
    const probe = createProbe({ kind: 'exec', command });
    const controller = new AbortController();
    const checking = probe.check(controller.signal);
    const pids = await waitFor(
      async () => {
        const text = await readFile(pidFile, 'utf8').catch(() => '');
        const numbers = text.trim().split(' ').map(Number);
        return numbers.length === 2 && numbers.every((pid) => pid > 0) ? numbers : undefined;
      },
      { timeoutMs: 5000, what: 'the probe command to write its PIDs' },
    );
    controller.abort();
    const outcome = await checking;
    assert.equal(failureReason(outcome), 'timeout');
    for (const pid of pids) {
      await waitFor(() => !isProcessRunning(pid), {
        timeoutMs: 2000,
        what: `process ${pid} of the probe command to be gone`,
      });
    }
  });

  test('a gate over the http probe follows the workload: healthy, then unhealthy after three failed probes', async () => {
    workload.setState('healthy');
    const { events, observe } = recordEvents();
    const gate = createHealthGate({
      probe: createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
      clock: monotonicClock,
      logger: silent,
      observe,
      periodMs: 50,
      timeoutMs: 50,
      failureThreshold: 3,
    });
    await whileRunning(gate, async () => {
      await waitFor(() => gate.isHealthy(), { timeoutMs: 5000, what: 'the gate to turn healthy' });
      workload.setState('unhealthy');
      await waitFor(() => !gate.isHealthy(), {
        timeoutMs: 5000,
        what: 'the gate to turn unhealthy',
      });
    });
    // 503s, though a loaded machine may turn one into a timeout: both are failures.
    const failures = failuresBeforeTurn(events);
    assert.equal(failures.length, 3, failures.join());
    assert.ok(failures.includes('status'), failures.join());
  });

  test('a gate counts a hanging workload as failing: timeouts turn it unhealthy', async () => {
    workload.setState('healthy');
    const { events, observe } = recordEvents();
    const gate = createHealthGate({
      probe: createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
      clock: monotonicClock,
      logger: silent,
      observe,
      periodMs: 30,
      timeoutMs: 30,
      failureThreshold: 2,
    });
    await whileRunning(gate, async () => {
      await waitFor(() => gate.isHealthy(), { timeoutMs: 5000, what: 'the gate to turn healthy' });
      workload.setState('hang');
      await waitFor(() => !gate.isHealthy(), {
        timeoutMs: 5000,
        what: 'the gate to turn unhealthy',
      });
    });
    workload.setState('healthy');
    assert.deepEqual(failuresBeforeTurn(events), ['timeout', 'timeout']);
  });

  test('a gate over the tcp probe turns healthy when the port accepts', async () => {
    const gate = createHealthGate({
      probe: createProbe({ kind: 'tcp', host: '127.0.0.1', port: workload.port }),
      clock: monotonicClock,
      logger: silent,
      periodMs: 50,
      timeoutMs: 50,
    });
    await whileRunning(gate, async () => {
      await waitFor(() => gate.isHealthy(), { timeoutMs: 5000, what: 'the gate to turn healthy' });
    });
  });

  test('a gate over the exec probe never turns healthy while the command fails', async () => {
    const { events, observe } = recordEvents();
    const gate = createHealthGate({
      probe: createProbe({ kind: 'exec', command: 'exit 1' }),
      clock: monotonicClock,
      logger: silent,
      observe,
      periodMs: 50,
      timeoutMs: 50,
    });
    const changes: boolean[] = [];
    gate.onChange((isHealthy) => changes.push(isHealthy));
    await whileRunning(gate, async () => {
      await waitFor(() => events.length >= 5, { timeoutMs: 5000, what: 'five exec probes' });
    });
    assert.equal(gate.isHealthy(), false);
    assert.deepEqual(changes, []);
  });
});

/** The failure reasons recorded between the last success and the turn to unhealthy. */
function failuresBeforeTurn(events: readonly WorkloadEvent[]): string[] {
  const turn = events.findIndex((event) => event.type === 'health-changed' && !event.isHealthy);
  assert.ok(turn > 0, 'the gate turned unhealthy');
  const reasons: string[] = [];
  for (let index = turn - 1; index >= 0; index -= 1) {
    const event = events[index];
    if (event?.type !== 'health-probe' || event.result === 'success') break;
    reasons.unshift(event.reason ?? 'none');
  }
  return reasons;
}
