/** Capped exponential backoff between connection attempts (delays: runtime/backoff.ts). */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialDelayMs: 50, maxDelayMs: 2000 };
