import type { Child } from './child.js';
import { checkLogLines, type LogLineCheck } from './log-line-check.js';

// The checks of every logger and process the lab made for the test file that is running. In a
// test file (run by `node --test`, which marks its processes with NODE_TEST_CONTEXT, or run
// directly), hooks at the top level fail the test during which a bad line arrived, and the file's
// last hook catches lines that arrive after the last test (a process's final lines, read once it
// has exited). Benchmarks and scripts that use the lab get no hooks (node:test would print a test
// report at their exit); their processes' lines are still checked on SidecarCluster.stopMember.
const checks = new Set<LogLineCheck>();
const isTestFile =
  process.env.NODE_TEST_CONTEXT !== undefined || /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '');

function failOnBadLines(): void {
  const reports = [...checks].flatMap((check) => check.takeReport() ?? []);
  if (reports.length > 0) throw new Error(reports.join('\n'));
}

if (isTestFile) {
  const { after, afterEach } = await import('node:test');
  afterEach(failOnBadLines);
  after(failOnBadLines);
}

/** Makes the running test file fail on any line `check` rejects (see above); returns `check`. */
export function watchLogCheck(check: LogLineCheck): LogLineCheck {
  checks.add(check);
  return check;
}

/** Checks every line `child` prints on stdout (its log) from now on, as `watchLogCheck` does. */
export function watchProcessLog(child: Child, source: string): LogLineCheck {
  return watchLogCheck(checkLogLines(child.process.stdout, source));
}
