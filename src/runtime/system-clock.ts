import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';

/** Monotonic milliseconds from the process's high-resolution clock; immune to wall-clock jumps. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (delayMs, callback) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => {
      clearTimeout(timer);
    };
  },
};

/** Wall-clock time (ms since the epoch) that corresponds to a monotonic reading, for display only. */
export function wallTimeOf(monotonicMs: number): number {
  return Date.now() + (monotonicMs - performance.now());
}
