import { parseArgs } from 'node:util';
import type { MembershipStatus } from '../backends/backend.js';
import { ElectorError } from '../core/errors.js';

interface MemberRow {
  readonly id: string;
  readonly role: string;
  readonly term: string | number | null;
  readonly lastContactMs: number | null;
  readonly isReachable: boolean;
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

/** `elector status`: fetches /cluster/status from a running sidecar and prints a table. */
export async function runStatus(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:4040' },
      json: { type: 'boolean', default: false },
    },
  });
  const url = new URL('/cluster/status', values.url);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  } catch (error) {
    throw new ElectorError(
      'BACKEND_UNAVAILABLE',
      `cannot reach ${url.origin}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (values.json) {
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const status = JSON.parse(text) as ClusterStatus;
  process.stdout.write(
    `election ${status.election} (${status.backend}), asked ${status.self}; leader ${status.leader.id ?? 'unknown'}, fencing token ${String(status.leader.fencingToken ?? '-')}\n`,
  );
  for (const line of membershipLines(status.membership)) process.stdout.write(`${line}\n`);
  process.stdout.write('\n');
  const rows = [
    ['MEMBER', 'ROLE', 'TERM', 'LAST CONTACT', 'REACHABLE'],
    ...status.members.map((member) => [
      member.id,
      member.role,
      member.term === null ? '-' : String(member.term),
      member.lastContactMs === null ? '-' : `${member.lastContactMs} ms`,
      member.isReachable ? 'yes' : 'no',
    ]),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
  return 0;
}
