import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDuration, parseDurationMs } from '../../../src/config/duration.js';
import { durationText } from '../../../src/config/duration-text.js';

function ms(text: string): number {
  const parsed = parseDuration(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.problem}`);
  return parsed.ms;
}

function problem(text: string): string {
  const parsed = parseDuration(text);
  assert.ok(!parsed.ok, `${text} should be refused; got ${parsed.ok ? parsed.ms : ''} ms`);
  return parsed.problem;
}

/** What Go's Duration.String prints for a whole number of milliseconds. */
function goString(totalMs: number): string {
  if (totalMs === 0) return '0s';
  const sign = totalMs < 0 ? '-' : '';
  const absolute = Math.abs(totalMs);
  if (absolute < 1000) return `${sign}${absolute}ms`;
  const hours = Math.floor(absolute / 3_600_000);
  const minutes = Math.floor((absolute % 3_600_000) / 60_000);
  const seconds = ((absolute % 60_000) / 1000).toString();
  return `${sign}${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}

const units = [
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['μs', 1e-3],
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
] as const;

test('the forms elector always accepted still read the same', () => {
  assert.equal(ms('250ms'), 250);
  assert.equal(ms('5s'), 5000);
  assert.equal(ms('1m'), 60_000);
  assert.equal(ms('1.5s'), 1500);
  assert.equal(ms('250'), 250);
  assert.equal(ms(' 2s '), 2000);
  assert.equal(ms('0'), 0);
});

test("Go's sequences, units and signs are read as time.ParseDuration reads them", () => {
  assert.equal(ms('1m30s'), 90_000);
  assert.equal(ms('1h'), 3_600_000);
  assert.equal(ms('1h2m3.5s'), 3_723_500);
  assert.equal(ms('2h45m'), 9_900_000);
  assert.equal(ms('1500000us'), 1500);
  assert.equal(ms('3000µs'), 3);
  assert.equal(ms('3000μs'), 3);
  assert.equal(ms('2000000ns'), 2);
  assert.equal(ms('.5s'), 500);
  assert.equal(ms('1.s'), 1000);
  assert.equal(ms('+5s'), 5000);
  assert.equal(ms('-1.5h'), -5_400_000);
  assert.equal(ms('-0'), 0);
  assert.equal(ms('1s1s'), 2000, 'Go adds repeated units');
  assert.equal(ms('0.1s0.2s'), 300, 'exact, not a float sum');
});

test('text that is not a duration is refused with the reason', () => {
  assert.match(problem(''), /empty/);
  assert.match(problem('-'), /empty/);
  assert.match(problem('fast'), /number is missing before "fast"/);
  assert.match(problem('5fast'), /unknown unit "fast"/);
  assert.match(problem('5 s'), /unknown unit " s"/);
  assert.match(problem('1d'), /unknown unit "d"/);
  assert.match(problem('.s'), /number is missing before "s"/);
  assert.match(problem('1h30'), /cannot read "30"/);
  assert.match(problem('1..5s'), /cannot read/);
  assert.match(problem('3000000h'), /longer than 2562047h/);
});

test('below a millisecond: a value with a sub-millisecond part is refused, not rounded', () => {
  assert.match(problem('500us'), /whole number of milliseconds/);
  assert.match(problem('1.5ms'), /whole number of milliseconds/);
  assert.match(problem('1ns'), /whole number of milliseconds/);
  assert.match(problem('1.5'), /bare number means whole milliseconds/);
  assert.equal(ms('1000us'), 1);
  assert.equal(ms('1.0'), 1);
});

test('parseDurationMs gives null for a negative or refused duration', () => {
  assert.equal(parseDurationMs('-1s'), null);
  assert.equal(parseDurationMs('1x'), null);
  assert.equal(parseDurationMs('1m30s'), 90_000);
});

test('property: what Go prints for a duration reads back as the same duration', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), (value) => {
      assert.equal(ms(goString(value)), value, goString(value));
    }),
  );
});

test('property: what elector prints for a duration reads back as the same duration', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e10 }), (value) => {
      assert.equal(ms(durationText(value)), value);
    }),
  );
});

test('property: a sequence of whole numbers with units sums like Go, in any order', () => {
  const segment = fc.record({
    count: fc.integer({ min: 0, max: 100_000 }),
    unit: fc.constantFrom(...units),
  });
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (parts, isNegative) => {
        const text = `${isNegative ? '-' : ''}${parts.map(({ count, unit }) => `${count}${unit[0]}`).join('')}`;
        // Exact sum in nanoseconds, so the check does not share the parser's arithmetic.
        const nanoseconds = parts.reduce(
          (sum, { count, unit }) => sum + BigInt(count) * BigInt(Math.round(unit[1] * 1e6)),
          0n,
        );
        const parsed = parseDuration(text);
        if (nanoseconds % 1_000_000n === 0n) {
          const expected = Number(nanoseconds / 1_000_000n) * (isNegative ? -1 : 1);
          assert.deepEqual(parsed, { ok: true, ms: expected === 0 ? 0 : expected }, text);
        } else {
          assert.equal(parsed.ok, false, text);
        }
      },
    ),
  );
});

test('property: a decimal fraction reads as its exact value in the unit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 999 }),
      (whole, thousandths) => {
        const fraction = String(thousandths).padStart(3, '0');
        assert.equal(ms(`${whole}.${fraction}s`), whole * 1000 + thousandths);
      },
    ),
  );
});

test('property: a string with a letter outside the units is never accepted', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.constantFrom('d', 'w', 'y', 'sec', 'min', 'hr', 'S', 'H', 'M', 'Ms'),
      (count, unit) => {
        assert.equal(parseDuration(`${count}${unit}`).ok, false);
      },
    ),
  );
});
