import { pino, type Logger, type LoggerOptions } from 'pino';
import { LogLineCheck } from './log-line-check.js';
import { watchLogCheck } from './test-log-hooks.js';

/**
 * A pino logger for in-process tests that hands each line to `keep` after checking it as a log
 * store would (one strict JSON object, no key twice at any depth). A line that fails makes the
 * running test fail once it ends (or the file's last hook, for lines logged after the last
 * test), quoting the line; the code under test is never interrupted by the check.
 */
export function testLogger(
  source: string,
  options: LoggerOptions,
  keep: (line: string) => void = () => undefined,
): Logger {
  const check = watchLogCheck(new LogLineCheck(source));
  return pino(options, check.destination(keep));
}
