/** Cancels a timer; a no-op once it has fired or was cancelled. */
export type CancelTimer = () => void;

/** Monotonic time and timers. Only differences between readings mean anything. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /**
   * Calls `callback` once, when `now()` has advanced by at least `delayMs` (at the next chance
   * for zero or less). Returns a function that cancels it. A pending timer never keeps the
   * process alive: whatever must keep running holds a socket or a server of its own.
   */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}
