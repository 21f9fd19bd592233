import type { CancelTimer, Clock } from '../../src/core/clock.js';

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told: `advance(ms)` fires the timers that fall due, in order of
 * their due time (then of creation), with `now()` reading each one's due time as it fires.
 */
export class ManualClock implements Clock {
  private current: number;
  private created = 0;
  private readonly timers = new Set<PendingTimer>();

  constructor(startMs = 1000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: PendingTimer = {
      at: this.current + Math.max(0, delayMs),
      order: this.created++,
      callback,
    };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Moves time on by `ms`, firing every timer due by then, including ones set while firing. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (let next = this.nextDue(until); next !== null; next = this.nextDue(until)) {
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = until;
  }

  /**
   * Like `advance`, but lets promise continuations run after each timer (a loop that awaits a
   * timer sets its next one there), so timers set by them within the window fire too.
   */
  async advanceAndSettle(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (let next = this.nextDue(until); next !== null; next = this.nextDue(until)) {
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.callback();
      await settle();
    }
    this.current = until;
    await settle();
  }

  /** Due times of the pending timers, earliest first. */
  pendingDueTimes(): number[] {
    return [...this.timers].map((timer) => timer.at).sort((a, b) => a - b);
  }

  private nextDue(until: number): PendingTimer | null {
    let earliest: PendingTimer | null = null;
    for (const timer of this.timers) {
      if (timer.at > until) continue;
      if (
        earliest === null ||
        timer.at < earliest.at ||
        (timer.at === earliest.at && timer.order < earliest.order)
      ) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** Lets every pending promise continuation run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}
