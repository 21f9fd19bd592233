/** Monotonic milliseconds. Only differences between readings mean anything. */
export interface Clock {
  now(): number;
}
