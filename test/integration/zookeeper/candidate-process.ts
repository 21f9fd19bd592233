// Spawns lab/zookeeper-candidate.ts as a separate process and reads its JSON lines.
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '../../../lab/child.js';
import { watchProcessLog } from '../../../lab/test-log-hooks.js';
import { waitFor } from '../../../lab/wait-for.js';

const script = fileURLToPath(new URL('../../../lab/zookeeper-candidate.ts', import.meta.url));

export interface CandidateEvent {
  readonly event: string;
  /** Wall-clock ms when the candidate wrote it. */
  readonly at: number;
  readonly isSelf?: boolean;
  readonly leader?: string | null;
  readonly fencingToken?: string;
  readonly role?: string;
  readonly leaseExpiresAtWall?: number | null;
}

export interface CandidateProcess {
  readonly memberId: string;
  readonly child: Child;
  /** The `candidate.*` events written so far, optionally of one kind (e.g. "acting"). */
  events(kind?: string): CandidateEvent[];
  /** The latest transition event, if any. */
  latest(): CandidateEvent | undefined;
  send(command: string): void;
  /** Waits for the first event of `kind` written after `since` (wall ms) that satisfies `test`. */
  waitForEvent(
    kind: string,
    test?: (event: CandidateEvent) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<CandidateEvent>;
}

export function startCandidateProcess(settings: {
  readonly memberId: string;
  readonly connectString: string;
  readonly electionName: string;
  readonly sessionTimeoutMs: number;
}): CandidateProcess {
  const child = startChild(
    process.execPath,
    ['--import', 'tsx', script, JSON.stringify(settings)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  watchProcessLog(child, settings.memberId);
  let parsedUpTo = 0;
  const parsed: CandidateEvent[] = [];
  const events = (): CandidateEvent[] => {
    const output = child.output();
    const end = output.lastIndexOf('\n') + 1;
    for (const line of output.slice(parsedUpTo, end).split('\n')) {
      const event = parseEvent(line);
      if (event !== null) parsed.push(event);
    }
    parsedUpTo = Math.max(parsedUpTo, end);
    return parsed;
  };
  const candidate: CandidateProcess = {
    memberId: settings.memberId,
    child,
    events: (kind) =>
      kind === undefined
        ? events()
        : events().filter((event) => event.event === `candidate.${kind}`),
    latest: () => candidate.events('transition').at(-1),
    send: (command) => {
      child.process.stdin?.write(`${command}\n`);
    },
    waitForEvent: (kind, test = () => true, options = {}) =>
      waitFor(
        () =>
          candidate.events(kind).find((event) => event.at >= (options.since ?? 0) && test(event)),
        {
          timeoutMs: options.timeoutMs ?? 15_000,
          what: `candidate ${settings.memberId} to report ${kind}`,
        },
      ),
  };
  return candidate;
}

/** One JSON line of the candidate; null for backend log lines and anything else. */
function parseEvent(line: string): CandidateEvent | null {
  if (!line.includes('"candidate.')) return null;
  try {
    const value = JSON.parse(line) as { event?: unknown; at?: unknown };
    return typeof value.event === 'string' && typeof value.at === 'number'
      ? (value as CandidateEvent)
      : null;
  } catch (error) {
    // Output from the runtime itself (e.g. a stack trace) is not ours to parse.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
