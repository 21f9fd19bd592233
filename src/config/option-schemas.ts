// The value types the option table is written in. Every one reads the text of a flag or an
// environment variable, so defaults (also text) pass through the same checks as user input.
import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * A duration in Go's syntax (500ms, 5s, 1m30s, 1h) or bare milliseconds, as whole milliseconds
 * within [minimum, maximum].
 */
export const durationMs = (minimum: number, maximum: number) =>
  z
    .string()
    .transform((text, context) => {
      const parsed = parseDuration(text);
      if (!parsed.ok) {
        context.addIssue({
          code: 'custom',
          message: `expected a duration such as 500ms, 5s, 1m30s or 1h (${parsed.problem})`,
        });
        return z.NEVER;
      }
      return parsed.ms;
    })
    .pipe(
      z
        .number()
        .min(minimum, `expected at least ${minimum} ms`)
        .max(maximum, `expected at most ${maximum} ms`),
    );

export const port = z.coerce
  .number<string>('expected a port number in 0..65535')
  .int('expected a whole port number')
  .min(0, 'expected a port in 0..65535')
  .max(65535, 'expected a port in 0..65535');

/** Comma-separated items, trimmed; empty items dropped, so "" is the empty list. */
export const list = z.string().transform((text): readonly string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

export const memberId = z
  .string()
  .min(1, 'expected a non-empty member ID')
  .max(253, 'expected at most 253 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'expected letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const booleanText = z.enum(['true', 'false']).transform((text) => text === 'true');

export const path = z.string().min(1, 'expected a file path');

/** A whole number from 1 to `maximum`. */
export const count = (maximum: number) =>
  z.coerce
    .number<string>('expected a whole number')
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(maximum, `expected at most ${maximum}`);
