// Shared pieces of the workload tests: a log capture, an event recorder, a monotonic clock, a
// scripted probe and a check that a process is really gone.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { Clock } from '../../../src/core/clock.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { Probe, ProbeOutcome } from '../../../src/workload/probe.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';

export const monotonicClock: Clock = systemClock;

export interface LogLine {
  readonly level: number;
  readonly event?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A pino logger whose JSON lines are kept in memory. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines };
}

export function recordEvents(): { events: WorkloadEvent[]; observe: (e: WorkloadEvent) => void } {
  const events: WorkloadEvent[] = [];
  return {
    events,
    observe: (event) => {
      events.push(event);
    },
  };
}

export type ScriptStep = 'ok' | 'fail' | 'hang' | 'throw';

/**
 * A probe that answers from a script, one step per call, then 'ok' forever. 'hang' never
 * answers and ignores its signal (the gate must cut it off itself).
 */
export function scriptedProbe(script: readonly ScriptStep[]): Probe & { calls(): number } {
  let calls = 0;
  return {
    kind: 'exec',
    description: 'scripted',
    calls: () => calls,
    check(): Promise<ProbeOutcome> {
      const step = script[calls] ?? 'ok';
      calls += 1;
      switch (step) {
        case 'ok':
          return Promise.resolve({ isHealthy: true });
        case 'fail':
          return Promise.resolve({ isHealthy: false, reason: 'exit-code', detail: 'scripted' });
        case 'hang':
          return new Promise<ProbeOutcome>(() => undefined);
        case 'throw':
          return Promise.reject(new Error('scripted probe threw'));
      }
    },
  };
}

/** False once the process has exited, zombies included (they may wait long to be reaped). */
export function isProcessRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Runs `gate` while `body` runs, and stops it (and waits for it) even when `body` throws. */
export async function whileRunning<T>(
  gate: { run(signal: AbortSignal): Promise<void> },
  body: () => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const running = gate.run(controller.signal);
  try {
    return await body();
  } finally {
    controller.abort();
    await running;
  }
}
