import { after, afterEach } from 'node:test';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { LogLineCheck } from './log-line-check.js';

// Imported only by test files (node:test hooks at the top level apply to every test in the
// file): a line that is not strict JSON fails the test during which it was written.
const checks = new Set<LogLineCheck>();

function failOnBadLines(): void {
  const reports = [...checks].flatMap((check) => {
    const report = check.report();
    check.clear();
    return report ?? [];
  });
  if (reports.length > 0) throw new Error(reports.join('\n'));
}

afterEach(failOnBadLines);
after(failOnBadLines);

/**
 * A pino logger for in-process tests that hands each line to `keep` after checking it as a log
 * store would (one strict JSON object, no key twice at any depth). A line that fails makes the
 * running test fail after it ends (or the file's last hook, for lines logged after the last
 * test), quoting the line; the code under test is never interrupted by the check.
 */
export function testLogger(
  source: string,
  options: LoggerOptions,
  keep: (line: string) => void = () => undefined,
): Logger {
  const check = new LogLineCheck(source);
  checks.add(check);
  return pino(options, check.destination(keep));
}
