import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';

/** Monotonic milliseconds from the process's high-resolution clock; immune to wall-clock jumps. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (delayMs, callback) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => {
      // Node keeps the emptied list of a cleared unref'd timer queued until its time comes, and
      // then wakes the process for nothing; a ref'd timer's list goes at once. A follower re-arms
      // its election timer on every heartbeat, so this saves it ten wake-ups a second.
      timer.ref();
      clearTimeout(timer);
    };
  },
};

/** Wall-clock time (ms since the epoch) that corresponds to a monotonic reading, for display only. */
export function wallTimeOf(monotonicMs: number): number {
  return Date.now() + (monotonicMs - performance.now());
}
