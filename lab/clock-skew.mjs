// Test-only preload that makes one process's clock run fast or slow, as a real oscillator
// would: `ELECTOR_TEST_CLOCK_RATE=0.95 node --import <this file> dist/cli.js run` gives that
// process a monotonic clock that advances 0.95 ms per real ms, and timers that wait D ms of
// that clock (D / 0.95 real ms). The fault harness uses it to put clock-rate skew between the
// members of a mesh (docs/raft-safety.md: maxClockDrift bounds how far their rates may differ).
//
// Plain JavaScript, not TypeScript: it is loaded into the built CLI with `node --import`, where
// no TypeScript loader runs (and none should, in the process under test).
//
// Skewed: performance.now() (src/runtime/system-clock.ts reads it through node:perf_hooks, the
// same object as globalThis.performance); setTimeout and setInterval, global and from
// node:timers; setTimeout, setInterval and scheduler.wait from node:timers/promises;
// util.promisify(setTimeout); AbortSignal.timeout. ESM named imports of node:timers and
// node:timers/promises see the patched functions through module.syncBuiltinESMExports().
// Not skewed: process.hrtime (kept real, so a test can compare against it), and Node's internal
// timers (socket and HTTP server timeouts).
//
// Wall-clock time (Date.now(), new Date(), Date()) runs at real speed, and can jump the way an
// NTP step or an operator's `date -s` makes it jump: with ELECTOR_TEST_WALL_CLOCK_FILE set, on
// SIGUSR2 the process reads the file (a signed integer of ms) and from then on its wall clock is
// that far from real time; it then writes the offset its Date.now() shows to `<file>.seen`. elector times leases on the monotonic clock only, so a jump must
// change nothing but the timestamps in its logs and Kubernetes objects.
import { readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import timers from 'node:timers';
import timersPromises from 'node:timers/promises';
import { promisify } from 'node:util';

const { AbortSignal } = globalThis;
const variable = 'ELECTOR_TEST_CLOCK_RATE';
/** Node turns a delay above this into 1 ms; a scaled delay is clamped to it instead. */
const maxTimerDelayMs = 2 ** 31 - 1;

/** The rate from the environment; throws, naming the variable and the value, unless it is > 0. */
function readRate() {
  const raw = process.env[variable];
  const isDecimal = raw !== undefined && /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(raw);
  const rate = isDecimal ? Number(raw) : Number.NaN;
  if (!(Number.isFinite(rate) && rate > 0)) {
    throw new Error(
      `${variable}: expected a positive number (local ms per real ms, e.g. 0.95 for a clock 5 % slow, 1 for no skew); got ${raw === undefined ? 'nothing (the variable is unset)' : JSON.stringify(raw)}`,
    );
  }
  return rate;
}

const rate = readRate();

/**
 * Real milliseconds for a delay of `delay` local milliseconds. A delay Node would not accept as
 * is (not a number in [1, 2^31 − 1]) passes through unchanged, so Node treats it as it always does.
 */
function realDelay(delay) {
  const ms = delay * 1;
  if (!(ms >= 1 && ms <= maxTimerDelayMs)) return delay;
  return Math.min(ms / rate, maxTimerDelayMs);
}

const realNow = performance.now.bind(performance);
// Local time is real time since the process began, times the rate: monotonic and continuous.
performance.now = function now() {
  return realNow() * rate;
};

const real = {
  setTimeout: timers.setTimeout,
  setInterval: timers.setInterval,
  promisesSetTimeout: timersPromises.setTimeout,
  promisesSetInterval: timersPromises.setInterval,
  schedulerWait: timersPromises.scheduler.wait,
  abortSignalTimeout: AbortSignal.timeout,
};

function promisesSetTimeout(delay, value, options) {
  return real.promisesSetTimeout(realDelay(delay), value, options);
}

function promisesSetInterval(delay, value, options) {
  return real.promisesSetInterval(realDelay(delay), value, options);
}

function setTimeout(callback, delay, ...args) {
  return real.setTimeout(callback, realDelay(delay), ...args);
}
Object.defineProperty(setTimeout, promisify.custom, {
  value: promisesSetTimeout,
  enumerable: false,
});

function setInterval(callback, delay, ...args) {
  return real.setInterval(callback, realDelay(delay), ...args);
}

timers.setTimeout = setTimeout;
timers.setInterval = setInterval;
globalThis.setTimeout = setTimeout;
globalThis.setInterval = setInterval;
timersPromises.setTimeout = Object.defineProperty(promisesSetTimeout, 'name', {
  value: 'setTimeout',
});
timersPromises.setInterval = Object.defineProperty(promisesSetInterval, 'name', {
  value: 'setInterval',
});
const { scheduler } = timersPromises;
scheduler.wait = function wait(delay, options) {
  return real.schedulerWait.call(scheduler, realDelay(delay), options);
};
AbortSignal.timeout = function timeout(delay) {
  // AbortSignal.timeout accepts whole milliseconds only.
  const ms = realDelay(delay);
  return real.abortSignalTimeout.call(AbortSignal, ms === delay ? delay : Math.ceil(ms));
};
syncBuiltinESMExports();

const wallClockVariable = 'ELECTOR_TEST_WALL_CLOCK_FILE';
const wallClockFile = process.env[wallClockVariable];
if (wallClockFile !== undefined && wallClockFile !== '') {
  const RealDate = Date;
  let offsetMs = 0;
  const readOffset = () => {
    const text = readFileSync(wallClockFile, 'utf8').trim();
    const value = /^[-+]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) {
      throw new Error(
        `${wallClockVariable} (${wallClockFile}): expected a whole number of ms; got ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
  offsetMs = readOffset();
  // The process's answer to each jump, for the test that made it: how far its Date.now() now is
  // from real time, read through the global Date the sidecar's own code calls.
  const answerFile = `${wallClockFile}.seen`;
  process.on('SIGUSR2', () => {
    offsetMs = readOffset();
    writeFileSync(answerFile, `${globalThis.Date.now() - RealDate.now()}\n`);
  });
  function SkewedDate(...args) {
    if (new.target === undefined) return new RealDate(RealDate.now() + offsetMs).toString();
    return Reflect.construct(
      RealDate,
      args.length === 0 ? [RealDate.now() + offsetMs] : args,
      new.target,
    );
  }
  SkewedDate.prototype = RealDate.prototype;
  SkewedDate.now = function now() {
    return RealDate.now() + offsetMs;
  };
  SkewedDate.parse = RealDate.parse;
  SkewedDate.UTC = RealDate.UTC;
  globalThis.Date = SkewedDate;
}
