// Durations as operators type them: Go's time.ParseDuration syntax ("1h2m3.5s", "500us",
// "-1.5h"), plus elector's older bare number of milliseconds ("250"). Parsed exactly in
// nanoseconds (bigint, so "0.1s" + "0.2s" is not a float sum), then held as whole milliseconds:
// elector's timers resolve 1 ms, so a value with a sub-millisecond remainder is refused rather
// than silently rounded to a different duration.

const nanosecondsPerUnit: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 MICRO SIGN, as Go accepts
  μs: 1_000n, // U+03BC GREEK SMALL LETTER MU, as Go accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's limit: a duration is an int64 count of nanoseconds (about 2562047h). */
const maximumNanoseconds = 2n ** 63n - 1n;
const nanosecondsPerMs = 1_000_000n;

export type DurationParse =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly problem: string };

const segmentPattern = /(\d*)(?:\.(\d*))?([^\d.]+)/y;

function nanosecondsOf(body: string): bigint | string {
  let total = 0n;
  segmentPattern.lastIndex = 0;
  while (segmentPattern.lastIndex < body.length) {
    const start = segmentPattern.lastIndex;
    const match = segmentPattern.exec(body);
    if (match === null) return `cannot read "${body.slice(start)}"`;
    const [, whole = '', fraction, unit = ''] = match;
    if (whole === '' && (fraction ?? '') === '') return `a number is missing before "${unit}"`;
    const factor = nanosecondsPerUnit[unit];
    if (factor === undefined) return `unknown unit "${unit}"`;
    total += BigInt(whole === '' ? '0' : whole) * factor;
    if (fraction !== undefined && fraction !== '') {
      // Go keeps what fits in whole nanoseconds and drops the rest of the fraction.
      total += (BigInt(fraction) * factor) / 10n ** BigInt(fraction.length);
    }
    if (total > maximumNanoseconds) return 'longer than 2562047h (Go’s limit)';
  }
  return total;
}

/**
 * Reads a duration: Go's `time.ParseDuration` syntax (an optional sign, then one or more
 * decimal numbers each with a unit of ns, us, µs, ms, s, m or h; "0" alone), or a bare
 * non-negative number meaning milliseconds. Succeeds only with a whole number of milliseconds;
 * otherwise says what is wrong with the text (never throws).
 */
export function parseDuration(input: string): DurationParse {
  const text = input.trim();
  const bare = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (bare !== null) {
    return bare[2] === undefined || /^0*$/.test(bare[2])
      ? { ok: true, ms: Number(bare[1]) }
      : { ok: false, problem: 'a bare number means whole milliseconds; give a unit for less' };
  }
  const sign = text.startsWith('-') ? -1n : 1n;
  const body = text.replace(/^[-+]/, '');
  if (body === '') return { ok: false, problem: 'empty' };
  if (body === '0') return { ok: true, ms: 0 };
  const nanoseconds = nanosecondsOf(body);
  if (typeof nanoseconds === 'string') return { ok: false, problem: nanoseconds };
  if (nanoseconds % nanosecondsPerMs !== 0n) {
    return { ok: false, problem: 'not a whole number of milliseconds (timers resolve 1 ms)' };
  }
  return { ok: true, ms: Number((sign * nanoseconds) / nanosecondsPerMs) };
}

/** The milliseconds of a non-negative duration `parseDuration` accepts; null otherwise. */
export function parseDurationMs(text: string): number | null {
  const parsed = parseDuration(text);
  return parsed.ok && parsed.ms >= 0 ? parsed.ms : null;
}
