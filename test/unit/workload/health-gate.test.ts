import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ElectorError } from '../../../src/core/errors.js';
import { createHealthGate, type HealthGateOptions } from '../../../src/workload/health-gate.js';
import type { HealthTiming } from '../../../src/config/health-timing.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  captureLogger,
  monotonicClock,
  recordEvents,
  scriptedProbe,
  type ScriptStep,
  whileRunning,
} from './fixtures.js';

const silent = pino({ level: 'silent' });

interface Change {
  readonly isHealthy: boolean;
  /** How many probes had been called when the verdict changed (1-based index of the probe). */
  readonly afterProbe: number;
}

const probeEvents = (events: readonly WorkloadEvent[]): WorkloadEvent[] =>
  events.filter((event) => event.type === 'health-probe');

/** Runs a gate over `script` until every step has been recorded, then stops it. */
async function runScript(
  script: readonly ScriptStep[],
  timing: Partial<HealthTiming> = {},
  extra: Partial<HealthGateOptions> = {},
): Promise<{ changes: Change[]; events: WorkloadEvent[]; isHealthyAtStart: boolean }> {
  const probe = scriptedProbe(script);
  const { events, observe } = recordEvents();
  const gate = createHealthGate({
    probe,
    clock: monotonicClock,
    logger: silent,
    observe,
    periodMs: 5,
    timeoutMs: 5,
    ...timing,
    ...extra,
  });
  const changes: Change[] = [];
  gate.onChange((isHealthy) => {
    changes.push({ isHealthy, afterProbe: probe.calls() });
  });
  const isHealthyAtStart = gate.isHealthy();
  await whileRunning(gate, async () => {
    await waitFor(() => probeEvents(events).length >= script.length, {
      timeoutMs: 5000,
      what: `${script.length} probes to be recorded`,
    });
  });
  return {
    changes: changes.filter((change) => change.afterProbe <= script.length),
    events,
    isHealthyAtStart,
  };
}

describe('health gate', () => {
  test('starts unhealthy and turns healthy at the first success', async () => {
    const { changes, isHealthyAtStart } = await runScript(['fail', 'fail', 'ok']);
    assert.equal(isHealthyAtStart, false);
    assert.deepEqual(changes, [{ isHealthy: true, afterProbe: 3 }]);
  });

  test('turns unhealthy only after failureThreshold consecutive failures', async () => {
    const { changes } = await runScript(['ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'fail'], {
      failureThreshold: 3,
    });
    assert.deepEqual(changes, [
      { isHealthy: true, afterProbe: 1 },
      { isHealthy: false, afterProbe: 7 },
    ]);
  });

  test('needs successThreshold consecutive successes, at start and to recover', async () => {
    const { changes } = await runScript(
      ['ok', 'fail', 'ok', 'ok', 'fail', 'ok', 'fail', 'ok', 'ok'],
      {
        successThreshold: 2,
        failureThreshold: 1,
      },
    );
    assert.deepEqual(changes, [
      { isHealthy: true, afterProbe: 4 },
      { isHealthy: false, afterProbe: 5 },
      { isHealthy: true, afterProbe: 9 },
    ]);
  });

  test('a probe that does not answer within the timeout counts as a failure', async () => {
    const { changes, events } = await runScript(['ok', 'hang'], {
      periodMs: 20,
      timeoutMs: 20,
      failureThreshold: 1,
    });
    assert.deepEqual(changes, [
      { isHealthy: true, afterProbe: 1 },
      { isHealthy: false, afterProbe: 2 },
    ]);
    const second = probeEvents(events)[1];
    assert.ok(second?.type === 'health-probe');
    assert.equal(second.result, 'failure');
    assert.equal(second.reason, 'timeout');
    assert.ok(second.durationMs >= 15, `the probe was cut off after ${second.durationMs} ms`);
  });

  test('a probe that throws counts as a failure with reason error', async () => {
    const { changes, events } = await runScript(['ok', 'throw'], { failureThreshold: 1 });
    assert.deepEqual(changes.at(-1), { isHealthy: false, afterProbe: 2 });
    const second = probeEvents(events)[1];
    assert.ok(second?.type === 'health-probe' && second.reason === 'error');
  });

  test('reports each change as a health-changed event after the probe that caused it', async () => {
    const { events } = await runScript(['ok', 'fail'], { failureThreshold: 1 });
    const kinds = events.map((event) =>
      event.type === 'health-changed'
        ? `changed:${event.isHealthy}`
        : `probe:${event.type === 'health-probe' ? event.result : '?'}`,
    );
    assert.deepEqual(kinds.slice(0, 4), [
      'probe:success',
      'changed:true',
      'probe:failure',
      'changed:false',
    ]);
  });

  test('waits for the initial delay before the first probe', async () => {
    const probe = scriptedProbe([]);
    const gate = createHealthGate({
      probe,
      clock: monotonicClock,
      logger: silent,
      periodMs: 5,
      timeoutMs: 5,
      initialDelayMs: 150,
    });
    const startedAt = monotonicClock.now();
    const firstProbeAt = await whileRunning(gate, () =>
      waitFor(() => (probe.calls() > 0 ? monotonicClock.now() : undefined), {
        timeoutMs: 5000,
        what: 'the first probe',
        intervalMs: 2,
      }),
    );
    // Node timers never fire early by more than a millisecond of rounding.
    assert.ok(firstProbeAt - startedAt >= 148, `first probe after ${firstProbeAt - startedAt} ms`);
  });

  test('refuses a second concurrent run', async () => {
    const gate = createHealthGate({
      probe: scriptedProbe([]),
      clock: monotonicClock,
      logger: silent,
    });
    await whileRunning(gate, async () => {
      await assert.rejects(gate.run(new AbortController().signal), (error: unknown) => {
        assert.ok(error instanceof ElectorError);
        assert.equal(error.code, 'INTERNAL');
        return true;
      });
    });
  });

  test('refuses timing out of range with CONFIG_INVALID naming the flag', () => {
    assert.throws(
      () =>
        createHealthGate({
          probe: scriptedProbe([]),
          clock: monotonicClock,
          logger: silent,
          periodMs: 50,
          timeoutMs: 80,
        }),
      (error: unknown) =>
        error instanceof ElectorError &&
        error.code === 'CONFIG_INVALID' &&
        error.message.includes('--health-timeout=80ms must not exceed --health-period=50ms'),
    );
  });

  test('a listener that throws is logged and does not keep the others from hearing', async () => {
    const { logger, lines } = captureLogger();
    const probe = scriptedProbe([]);
    const gate = createHealthGate({
      probe,
      clock: monotonicClock,
      logger,
      periodMs: 5,
      timeoutMs: 5,
    });
    const heard: boolean[] = [];
    gate.onChange(() => {
      throw new Error('listener bug');
    });
    gate.onChange((isHealthy) => heard.push(isHealthy));
    await whileRunning(gate, async () => {
      await waitFor(() => heard.length > 0, { timeoutMs: 5000, what: 'the second listener' });
    });
    assert.deepEqual(heard, [true]);
    assert.ok(lines.some((line) => line.event === 'workload.listener-failed'));
  });

  test('an unsubscribed listener hears nothing more', async () => {
    const probe = scriptedProbe([]);
    const gate = createHealthGate({
      probe,
      clock: monotonicClock,
      logger: silent,
      periodMs: 5,
      timeoutMs: 5,
    });
    const heard: boolean[] = [];
    const unsubscribe = gate.onChange((isHealthy) => heard.push(isHealthy));
    unsubscribe();
    await whileRunning(gate, async () => {
      await waitFor(() => gate.isHealthy(), { timeoutMs: 5000, what: 'the gate to turn healthy' });
    });
    assert.deepEqual(heard, []);
  });

  test('logs the turn to unhealthy at warn with the last failure', async () => {
    const { logger, lines } = captureLogger();
    await runScript(['ok', 'fail'], { failureThreshold: 1 }, { logger });
    const unhealthy = lines.find((line) => line.event === 'workload.unhealthy');
    assert.ok(unhealthy !== undefined);
    assert.equal(unhealthy.level, 40);
    assert.equal(unhealthy.reason, 'exit-code');
  });
});
