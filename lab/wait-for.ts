import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  readonly timeoutMs: number;
  /** What is awaited, for the failure message. */
  readonly what: string;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or the deadline passes.
 * The failure message says what was awaited and the last value or error seen.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last, bigintReplacer);
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last seen: ${seen}`,
      );
    }
    await delay(options.intervalMs ?? 20);
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** The rejection of `within` when its deadline passes. */
class DeadlineExceeded extends Error {}

/** `promise`'s value; rejects with DeadlineExceeded naming `what` if it takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineExceeded(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** For `within(...).catch(nullOnDeadline)`: null when the deadline passed, any other error rethrown. */
export function nullOnDeadline(error: unknown): null {
  if (error instanceof DeadlineExceeded) return null;
  throw error;
}
