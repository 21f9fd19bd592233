import { parseArgs } from 'node:util';
import type { MembershipStatus } from '../backends/backend.js';
import { parseDurationMs } from '../config/duration.js';
import { redactedUrl } from '../config/redacted-url.js';
import { ElectorError } from '../core/errors.js';
import { describeFetchFailure } from './fetch-failure.js';

interface MemberRow {
  readonly id: string;
  readonly role: string;
  readonly term: string | number | null;
  readonly lastContactMs: number | null;
  readonly isReachable: boolean;
  /** Its --priority; null when unknown, absent from older sidecars. */
  readonly priority?: number | null;
  /** Its place in the succession (0 the leader); null when not in line, absent from older sidecars. */
  readonly rank?: number | null;
}

/** The member set as `GET /cluster/status` serves it (Raft only). */
type MembershipView = Pick<
  MembershipStatus,
  'state' | 'configuration' | 'desired' | 'isPending' | 'note'
>;

interface ClusterStatus {
  readonly self: string;
  readonly election: string;
  readonly backend: string;
  readonly leader: { readonly id: string | null; readonly fencingToken: number | string | null };
  readonly members: readonly MemberRow[];
  readonly membership?: MembershipView;
  /** Why the asked member is not ready, when it knows (a state directory it cannot write). */
  readonly notReadyReason?: string | null;
  /** What is unsafe about the asked member's connection to its backend; absent from older sidecars. */
  readonly warnings?: readonly string[];
}

/** The Raft member-set lines of `elector status`, or none for other backends. */
function membershipLines(membership: MembershipView | undefined): string[] {
  if (membership === undefined) return [];
  const { configuration, desired } = membership;
  const lines = [
    configuration === null
      ? `member set: none yet (this member is ${membership.state})`
      : `member set: v${configuration.version} [${configuration.voters.join(', ')}]${configuration.outgoing === null ? '' : ` joint with [${configuration.outgoing.join(', ')}] (change under way)`}${configuration.isCommitted ? '' : ' (not known committed)'}; this member is ${membership.state}`,
  ];
  if (membership.isPending && desired !== null) {
    lines.push(`desired: [${desired.members.join(', ')}] (stamp ${desired.counter})`);
  }
  if (membership.note !== null) lines.push(`waiting: ${membership.note}`);
  return lines;
}

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function readStatusArguments(argv: readonly string[]): {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly isJson: boolean;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      tokens: true,
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:4040' },
        timeout: { type: 'string', default: '3s' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new ElectorError('CONFIG_INVALID', `elector status: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { values, tokens } = parsed;
  const given = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? 'true']);
  }
  for (const [name, texts] of given) {
    if (texts.length > 1) {
      throw new ElectorError(
        'CONFIG_INVALID',
        `--${name}: given ${texts.length} times (${texts.map((text) => JSON.stringify(text)).join(' and ')}); give it once`,
      );
    }
  }
  const timeoutMs = parseDurationMs(values.timeout);
  if (timeoutMs === null || timeoutMs < 1) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `--timeout: expected a duration such as 500ms, 3s or 1m; got ${JSON.stringify(values.timeout)}`,
    );
  }
  if (!URL.canParse(values.url) || !/^https?:$/.test(new URL(values.url).protocol)) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `--url: expected an http:// or https:// URL such as http://127.0.0.1:4040 or http://[::1]:4040; got ${JSON.stringify(redactedUrl(values.url))}`,
    );
  }
  return { url: new URL('/cluster/status', values.url), timeoutMs, isJson: values.json };
}

/**
 * `elector status`: fetches /cluster/status from a running sidecar and prints a table. Throws
 * SIDECAR_UNREACHABLE naming the URL and the reason (refused, timed out, DNS, an error answer)
 * when there is no status to print.
 */
export async function runStatus(argv: readonly string[]): Promise<number> {
  const { url, timeoutMs, isJson } = readStatusArguments(argv);
  const unreachable = (reason: string, cause?: unknown): ElectorError =>
    new ElectorError('SIDECAR_UNREACHABLE', redactedUrl(`GET ${url.href}: ${reason}`), {
      retryable: true,
      cause,
    });
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    throw unreachable(describeFetchFailure(error, timeoutMs), error);
  }
  if (!response.ok) {
    throw unreachable(`answered ${response.status} ${response.statusText}: ${text.slice(0, 500)}`);
  }
  if (isJson) {
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const status = JSON.parse(text) as ClusterStatus;
  process.stdout.write(
    `election ${status.election} (${status.backend}), asked ${status.self}; leader ${status.leader.id ?? 'unknown'}, fencing token ${String(status.leader.fencingToken ?? '-')}\n`,
  );
  if (typeof status.notReadyReason === 'string') {
    process.stdout.write(`${status.self} is not ready: ${status.notReadyReason}\n`);
  }
  for (const warning of status.warnings ?? []) process.stdout.write(`warning: ${warning}\n`);
  for (const line of membershipLines(status.membership)) process.stdout.write(`${line}\n`);
  process.stdout.write('\n');
  const rows = [
    ['MEMBER', 'ROLE', 'PRIORITY', 'RANK', 'TERM', 'LAST CONTACT', 'REACHABLE'],
    ...status.members.map((member) => [
      member.id,
      member.role,
      member.priority == null ? '-' : String(member.priority),
      member.rank == null ? '-' : String(member.rank),
      member.term === null ? '-' : String(member.term),
      member.lastContactMs === null ? '-' : `${member.lastContactMs} ms`,
      member.isReachable ? 'yes' : 'no',
    ]),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
  return 0;
}
