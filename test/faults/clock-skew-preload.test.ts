import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { waitFor } from '../../lab/wait-for.js';

// The clock-skew preload (lab/clock-skew.mjs), checked in child processes the way the
// fault mesh loads it into the built CLI: `node --import <preload>`. Bounds are on ratios and
// generous, because this machine may be busy; what they rule out is an unskewed timer (ratio 1),
// a timer skewed the wrong way, or one skewed twice.

const preload = fileURLToPath(new URL('../../lab/clock-skew.mjs', import.meta.url));
const execFileAsync = promisify(execFile);

/** Every way src/ and its dependencies may wait, each given `delayMs` local ms in all. */
const measuringScript = (delayMs: number): string => `
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setInterval as timersSetInterval, setTimeout as timersSetTimeout } from 'node:timers';
import { scheduler, setInterval as every, setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const delayMs = ${delayMs};
const realNow = () => Number(process.hrtime.bigint()) / 1e6;
const ticks = (start) => new Promise((resolve) => {
  let count = 0;
  const timer = start(() => {
    count += 1;
    if (count === 4) {
      clearInterval(timer);
      resolve();
    }
  }, delayMs / 4);
});
const waits = {
  'global setTimeout': () => new Promise((resolve) => setTimeout(resolve, delayMs)),
  'node:timers setTimeout (ESM import)': () => new Promise((resolve) => timersSetTimeout(resolve, delayMs)),
  'node:timers setTimeout (require)': () => new Promise((resolve) => require('node:timers').setTimeout(resolve, delayMs)),
  'node:timers/promises setTimeout': () => sleep(delayMs),
  'node:timers/promises scheduler.wait': () => scheduler.wait(delayMs),
  'util.promisify(setTimeout)': () => promisify(setTimeout)(delayMs),
  'AbortSignal.timeout': () => new Promise((resolve) => AbortSignal.timeout(delayMs).addEventListener('abort', resolve)),
  'global setInterval, 4 ticks': () => ticks(setInterval),
  'node:timers setInterval, 4 ticks': () => ticks(timersSetInterval),
  'node:timers/promises setInterval, 4 ticks': async () => {
    let count = 0;
    for await (const _ of every(delayMs / 4)) {
      count += 1;
      if (count === 4) break;
    }
  },
};
const measure = async ([name, wait]) => {
  const realStart = realNow();
  const localStart = performance.now();
  await wait();
  return [name, { realMs: realNow() - realStart, localMs: performance.now() - localStart }];
};
const results = Object.fromEntries(await Promise.all(Object.entries(waits).map(measure)));
console.log(JSON.stringify({ isSamePerformance: globalThis.performance === performance, results }));
`;

interface Measurement {
  readonly realMs: number;
  readonly localMs: number;
}

interface Report {
  readonly isSamePerformance: boolean;
  readonly results: Readonly<Record<string, Measurement>>;
}

async function runWithRate(rate: string | undefined, script: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', preload, '--input-type=module', '--eval', script],
    { env: environment(rate), timeout: 20_000 },
  );
  return stdout;
}

function environment(rate: string | undefined): NodeJS.ProcessEnv {
  return rate === undefined
    ? { PATH: process.env.PATH ?? '' }
    : { PATH: process.env.PATH ?? '', ELECTOR_TEST_CLOCK_RATE: rate };
}

async function measureWithRate(rate: number, delayMs: number): Promise<Report> {
  return JSON.parse(await runWithRate(String(rate), measuringScript(delayMs))) as Report;
}

function assertWithin(value: number, low: number, high: number, what: string): void {
  assert.ok(value >= low && value <= high, `${what}: ${value.toFixed(3)} not in [${low}, ${high}]`);
}

describe('the clock-skew preload', () => {
  test('at rate 0.5, performance.now advances half as fast as real time and every timer of D ms takes 2·D real ms', async () => {
    const delayMs = 200;
    const report = await measureWithRate(0.5, delayMs);
    assert.equal(report.isSamePerformance, true, 'perf_hooks exports the global performance');
    assert.equal(Object.keys(report.results).length, 10);
    for (const [name, { realMs, localMs }] of Object.entries(report.results)) {
      assertWithin(localMs / realMs, 0.45, 0.55, `${name}: local ms per real ms`);
      // 2.0 exactly, less up to a millisecond for a timer that fires early, plus load lateness.
      assertWithin(realMs / delayMs, 1.95, 3.5, `${name}: real ms per requested local ms`);
    }
  });

  test('at rate 2, the clock runs twice as fast and timers take half the real time', async () => {
    const delayMs = 400;
    const report = await measureWithRate(2, delayMs);
    for (const [name, { realMs, localMs }] of Object.entries(report.results)) {
      assertWithin(localMs / realMs, 1.8, 2.2, `${name}: local ms per real ms`);
      assertWithin(realMs / delayMs, 0.49, 0.875, `${name}: real ms per requested local ms`);
    }
  });

  test('refuses a missing or malformed rate with the variable, the value and what it accepts', async () => {
    for (const rate of [undefined, '', '0', '-1', 'abc', '0x10', '1e400', ' 1']) {
      await assert.rejects(runWithRate(rate, ''), (error: unknown) => {
        const { code, stderr } = error as { code?: unknown; stderr?: unknown };
        assert.notEqual(code, 0, `rate ${String(rate)} must stop the process`);
        assert.equal(typeof stderr, 'string');
        const text = String(stderr);
        assert.match(text, /ELECTOR_TEST_CLOCK_RATE: expected a positive number/);
        assert.ok(
          text.includes(rate === undefined ? 'unset' : JSON.stringify(rate)),
          `the message names the value ${String(rate)}: ${text}`,
        );
        return true;
      });
    }
  });

  test('jumps the wall clock (Date.now, new Date, Date()) to the offset in its file on SIGUSR2, and leaves the monotonic clock alone', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'elector-wall-clock-'));
    const file = join(directory, 'offset');
    writeFileSync(file, '0\n');
    // Prints its clocks once per line it reads on stdin: real wall, Date.now, new Date, Date().
    const script = `
      import { createInterface } from 'node:readline';
      for await (const _ of createInterface({ input: process.stdin })) {
        console.log(JSON.stringify({
          real: performance.timeOrigin + performance.now(),
          monotonicLead: performance.now() - Number(process.hrtime.bigint()) / 1e6,
          now: Date.now(),
          constructed: new Date().getTime(),
          called: Date.parse(Date()),
          isDate: new Date(0) instanceof Date,
          epoch: new Date(0).getTime(),
        }));
      }
    `;
    const child = spawn(
      process.execPath,
      ['--import', preload, '--input-type=module', '--eval', script],
      {
        env: { ...environment('1'), ELECTOR_TEST_WALL_CLOCK_FILE: file },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const sample = async (): Promise<Record<string, number | boolean>> => {
      child.stdin.write('\n');
      const next = await lines.next();
      assert.equal(next.done, false);
      return JSON.parse(next.value) as Record<string, number | boolean>;
    };
    const offsetOf = (clocks: Record<string, number | boolean>, key: string): number =>
      Number(clocks[key]) - Number(clocks.real);
    try {
      // Until the preload has run, SIGUSR2 would end the process: wait for a first answer.
      const first = await sample();
      for (const jumpMs of [3_600_000, -86_400_000, 0]) {
        writeFileSync(file, `${jumpMs}\n`);
        child.kill('SIGUSR2');
        // The signal and the next stdin line may be handled in either order: sample until it took.
        const clocks = await waitFor(
          async () => {
            const next = await sample();
            return Math.abs(offsetOf(next, 'now') - jumpMs) < 50 ? next : undefined;
          },
          { timeoutMs: 5000, what: `Date.now() to be ${jumpMs} ms off real time` },
        );
        assertWithin(offsetOf(clocks, 'now'), jumpMs - 50, jumpMs + 50, `Date.now at ${jumpMs}`);
        assertWithin(offsetOf(clocks, 'constructed'), jumpMs - 50, jumpMs + 50, 'new Date()');
        assertWithin(offsetOf(clocks, 'called'), jumpMs - 1050, jumpMs + 50, 'Date() (whole s)');
        assert.equal(clocks.isDate, true);
        assert.equal(clocks.epoch, 0, 'new Date(ms) is not shifted');
        // The handler that moved the clock wrote its answer in the same turn, before this sample.
        const answered = Number(readFileSync(`${file}.seen`, 'utf8'));
        assertWithin(answered, jumpMs - 50, jumpMs + 50, 'the offset it answered with');
        const drift = Number(clocks.monotonicLead) - Number(first.monotonicLead);
        assertWithin(drift, -5, 5, 'performance.now() against process.hrtime');
      }
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
