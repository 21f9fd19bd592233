import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { strictJsonProblems } from './strict-json.js';

/** How many offending lines an error quotes; the count covers them all. */
const quotedLines = 5;

/**
 * Checks a process's or a logger's JSON log lines as a log store would take them: each line one
 * strict JSON object, with no key twice at any depth. It records what fails rather than throwing
 * from the log call, so the code under test runs on unchanged; `assertClean` fails the test.
 */
export class LogLineCheck {
  private partial = '';
  private checked = 0;
  private readonly failures: string[] = [];

  /** `source` names the process or logger in the failure message. */
  constructor(private readonly source: string) {}

  /** Checks one complete line (without its newline); an empty line is skipped. */
  checkLine(line: string): void {
    if (line.trim() === '') return;
    this.checked += 1;
    const problems = strictJsonProblems(line);
    const isObject = line.trimStart().startsWith('{');
    const reasons = [
      ...problems.map((problem) => problem.message),
      ...(problems.length === 0 && !isObject ? ['not a JSON object'] : []),
    ];
    if (reasons.length > 0) this.failures.push(`${reasons.join('; ')}: ${line}`);
  }

  /** Checks each complete line of a chunk of output; a trailing part waits for its newline. */
  feed(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.checkLine(line);
  }

  /** A pino destination (`{ write }`) that checks every line and then hands it to `keep`. */
  destination(keep: (line: string) => void = () => undefined): { write(line: string): void } {
    return {
      write: (line: string) => {
        this.checkLine(line.replace(/\n$/, ''));
        keep(line);
      },
    };
  }

  /** The failures so far, each the reasons and the line. */
  problems(): readonly string[] {
    return this.failures;
  }

  /**
   * What failed, as a message quoting the offending lines; null while every line passed. An
   * unfinished last line is not judged: a process killed in the middle of a write leaves one, and
   * pino ends every line it finishes with a newline.
   */
  report(): string | null {
    if (this.failures.length === 0) return null;
    return (
      `${this.source}: ${this.failures.length} of ${this.checked} log lines are not strict JSON objects:\n` +
      this.failures.slice(0, quotedLines).join('\n')
    );
  }

  /**
   * `report()`, after which the failures are forgotten: a test that failed for them does not make
   * the next one fail too.
   */
  takeReport(): string | null {
    const report = this.report();
    this.failures.length = 0;
    return report;
  }

  /** Throws an Error with `report()` if any line failed; returns the number of lines checked. */
  assertClean(): number {
    const report = this.report();
    if (report !== null) throw new Error(report);
    return this.checked;
  }
}

/** Checks every line `stream` carries from now on (a child's stdout). */
export function checkLogLines(stream: Readable | null, source: string): LogLineCheck {
  const check = new LogLineCheck(source);
  // A chunk may end inside a multi-byte character.
  const decoder = new StringDecoder('utf8');
  stream?.on('data', (chunk: Buffer) => {
    check.feed(decoder.write(chunk));
  });
  return check;
}
