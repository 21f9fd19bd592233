import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { ElectorError } from '../core/errors.js';
import { isAborted, pause } from '../runtime/abortable.js';
import { messageOf } from './error-message.js';
import {
  defaultHealthTiming,
  healthTimingProblems,
  type HealthTiming,
} from '../config/health-timing.js';
import type { Probe, ProbeOutcome } from './probe.js';
import { ignoreWorkloadEvents, type WorkloadObserver } from './workload-events.js';

export interface HealthGateOptions extends Partial<HealthTiming> {
  readonly probe: Probe;
  /** Durations of probes are read from it; timers are Node timers. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observe?: WorkloadObserver;
}

/** Whether the workload beside the sidecar can act, as repeated probes tell. */
export interface HealthGate {
  /**
   * Probes every `periodMs` until `signal` aborts, then resolves; the verdict keeps its last
   * value. Rejects with ElectorError INTERNAL only if called while already running.
   */
  run(signal: AbortSignal): Promise<void>;
  /**
   * False until `successThreshold` consecutive successes (a starting workload must not lead),
   * then false again after `failureThreshold` consecutive failures.
   */
  isHealthy(): boolean;
  /** Calls `listener` after each change of the verdict. Returns an unsubscribe function. */
  onChange(listener: (isHealthy: boolean) => void): () => void;
}

/**
 * A health gate over one probe. Nothing runs until `run`. Throws ElectorError CONFIG_INVALID,
 * one line per broken rule, when the timing is out of range (see health-timing.ts).
 */
export function createHealthGate(options: HealthGateOptions): HealthGate {
  const timing: HealthTiming = {
    periodMs: options.periodMs ?? defaultHealthTiming.periodMs,
    timeoutMs: options.timeoutMs ?? defaultHealthTiming.timeoutMs,
    failureThreshold: options.failureThreshold ?? defaultHealthTiming.failureThreshold,
    successThreshold: options.successThreshold ?? defaultHealthTiming.successThreshold,
    initialDelayMs: options.initialDelayMs ?? defaultHealthTiming.initialDelayMs,
  };
  const problems = healthTimingProblems(timing);
  if (problems.length > 0) throw new ElectorError('CONFIG_INVALID', problems.join('\n'));
  const { probe, clock, logger } = options;
  const observe = options.observe ?? ignoreWorkloadEvents;
  const listeners = new Set<(isHealthy: boolean) => void>();
  let isHealthy = false;
  let successes = 0;
  let failures = 0;
  let isRunning = false;

  const setVerdict = (next: boolean, outcome: ProbeOutcome): void => {
    isHealthy = next;
    if (outcome.isHealthy) {
      logger.info({ event: 'workload.healthy', probe: probe.description }, 'workload is healthy');
    } else {
      logger.warn(
        {
          event: 'workload.unhealthy',
          probe: probe.description,
          reason: outcome.reason,
          detail: outcome.detail,
          failures,
        },
        `workload is unhealthy after ${failures} failed probes: ${outcome.detail}`,
      );
    }
    observe({ type: 'health-changed', isHealthy: next });
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch (error) {
        logger.error(
          { event: 'workload.listener-failed', err: error },
          'a health listener threw; the others still ran',
        );
      }
    }
  };

  const record = (outcome: ProbeOutcome, durationMs: number): void => {
    if (outcome.isHealthy) {
      observe({ type: 'health-probe', kind: probe.kind, result: 'success', durationMs });
      failures = 0;
      successes += 1;
      if (!isHealthy && successes >= timing.successThreshold) setVerdict(true, outcome);
      return;
    }
    observe({
      type: 'health-probe',
      kind: probe.kind,
      result: 'failure',
      reason: outcome.reason,
      durationMs,
    });
    logger.debug(
      { event: 'workload.probe-failed', reason: outcome.reason, detail: outcome.detail },
      'health probe failed',
    );
    successes = 0;
    failures += 1;
    if (isHealthy && failures >= timing.failureThreshold) setVerdict(false, outcome);
  };

  /** One probe, cut off at the timeout even if the probe ignores its signal. */
  const probeOnce = async (signal: AbortSignal): Promise<ProbeOutcome> => {
    const controller = new AbortController();
    const stop = (): void => {
      controller.abort();
    };
    signal.addEventListener('abort', stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ProbeOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({
          isHealthy: false,
          reason: 'timeout',
          detail: `${probe.description}: no answer within ${timing.timeoutMs} ms`,
        });
      }, timing.timeoutMs);
    });
    const checked = probe.check(controller.signal).catch((error: unknown): ProbeOutcome => ({
      isHealthy: false,
      reason: 'error',
      detail: `${probe.description}: ${messageOf(error)}`,
    }));
    try {
      return await Promise.race([checked, timedOut]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  };

  return {
    async run(signal: AbortSignal): Promise<void> {
      if (isRunning) throw new ElectorError('INTERNAL', 'health gate: run() is already running');
      isRunning = true;
      logger.info(
        { event: 'workload.gate-started', probe: probe.description, ...timing },
        `health gate started: ${probe.description} every ${timing.periodMs} ms`,
      );
      try {
        await pause(timing.initialDelayMs, signal);
        while (!isAborted(signal)) {
          const startedAt = clock.now();
          const outcome = await probeOnce(signal);
          // A probe cut off by shutdown says nothing about the workload.
          if (isAborted(signal)) break;
          const durationMs = clock.now() - startedAt;
          record(outcome, durationMs);
          await pause(timing.periodMs - durationMs, signal);
        }
      } finally {
        isRunning = false;
      }
    },
    isHealthy: () => isHealthy,
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
