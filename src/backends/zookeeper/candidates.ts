import { z } from 'zod';

/**
 * Candidate znodes are EPHEMERAL_SEQUENTIAL (ZooKeeper recipes, "Leader Election") and named
 * `<session id hex>-latch-__lock__<10-digit sequence>`, so that the ecosystem's own clients read
 * the election:
 * - kazoo (Lock, Election) counts a child as a contender only if it ends in `__lock__` and ten
 *   digits, and orders contenders by those digits: ours match exactly.
 * - Curator's LeaderLatch orders children by the text after the last `latch-`. For our nodes that
 *   is `__lock__<sequence>`, the same prefix for every member, so Curator reads our order and our
 *   leader. Its own nodes (`_c_<uuid>-latch-<sequence>`) sort as bare digits, before any of ours:
 *   no name can carry both clients' markers right before the sequence, so a LeaderLatch
 *   participant cannot share an election with elector (docs/interop.md).
 * The session ID in the name is our take on Curator's protected mode: after a create whose
 * response was lost, the member finds its own node by name instead of creating a second one that
 * would block the queue until the session ends.
 */
const createSuffix = '-latch-__lock__';

/** One child of the election node, whatever wrote it. */
export interface CandidateName {
  readonly name: string;
  /** The creating session, from an elector name (this layout or the older one); null if foreign. */
  readonly sessionHex: string | null;
  /** The sequence suffix ZooKeeper appended; null for a child without one (sorts last). */
  readonly sequence: number | null;
  /** Named `candidate-<session>-<sequence>` by an elector before this layout. */
  readonly isPreviousLayout: boolean;
}

/** What a candidate stores in its znode; parsed with zod since any client can write there. */
export interface CandidateData {
  readonly memberId: string;
  readonly address: string;
  /** Its `--priority`; 0 when an older elector wrote none. */
  readonly priority: number;
}

const candidateDataSchema = z.object({
  memberId: z.string().min(1),
  address: z.string(),
  priority: z.number().int().nonnegative().optional(),
});
/**
 * Marks data written by this version, whatever the node's name: a previous-layout name whose data
 * lacks it belongs to a member of the previous version, one that has it to a member that joined
 * under the previous layout only for that member's sake.
 */
const layoutVersion = 2;
const layoutSchema = z.object({ layout: z.literal(layoutVersion) });
const electorNamePattern = /^([0-9a-f]{16})-latch-__lock__\d{10}$/;
/** Written by elector before this layout; still a member of the same election while upgrading. */
const previousElectorNamePattern = /^candidate-([0-9a-f]{16})-\d{10}$/;
const sequencePattern = /(\d{10})$/;

/**
 * The path to create (the server appends the sequence number). While an elector of the previous
 * version is queued, join under its layout too: it reads only `candidate-` names, and would lead
 * beside a member it cannot see.
 */
export function candidateCreatePath(
  parentPath: string,
  sessionHex: string,
  isUpgrading: boolean,
): string {
  return isUpgrading
    ? `${parentPath}/candidate-${sessionHex}-`
    : `${parentPath}/${sessionHex}${createSuffix}`;
}

function parseCandidateName(name: string): CandidateName {
  const sequence = sequencePattern.exec(name)?.[1];
  const previousSessionHex = previousElectorNamePattern.exec(name)?.[1];
  const sessionHex = electorNamePattern.exec(name)?.[1] ?? previousSessionHex ?? null;
  return {
    name,
    sessionHex,
    sequence: sequence === undefined ? null : Number(sequence),
    isPreviousLayout: previousSessionHex !== undefined,
  };
}

/**
 * Every child in queue order: by sequence, which ZooKeeper assigns from the parent's cversion,
 * so it grows with creation order whoever created the node. Names cannot be sorted as strings:
 * their prefixes differ. Children without a sequence suffix come last, by name (as kazoo does).
 */
export function sortCandidates(children: readonly string[]): CandidateName[] {
  return children.map(parseCandidateName).sort(compareCandidates);
}

function compareCandidates(left: CandidateName, right: CandidateName): number {
  if (left.sequence !== null && right.sequence !== null) return left.sequence - right.sequence;
  if (left.sequence !== null) return -1;
  if (right.sequence !== null) return 1;
  return left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
}

/**
 * The znode data: JSON with the member ID, its advertised address, the layout version and its
 * priority. kazoo and Curator show the data as is; older electors ignore the fields they lack.
 */
export function encodeCandidateData(data: CandidateData): Buffer {
  const json = {
    memberId: data.memberId,
    address: data.address,
    layout: layoutVersion,
    priority: data.priority,
  };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/** Null if the bytes are not a candidate's JSON (a foreign or corrupt node). */
export function decodeCandidateData(bytes: Buffer | null | undefined): CandidateData | null {
  const parsed = candidateDataSchema.safeParse(parseJson(bytes));
  if (!parsed.success) return null;
  const { memberId, address, priority } = parsed.data;
  return { memberId, address, priority: priority ?? 0 };
}

/** True for a candidate's data written by an elector of the previous version (no layout mark). */
export function isPreviousVersionData(bytes: Buffer | null | undefined): boolean {
  const json = parseJson(bytes);
  return candidateDataSchema.safeParse(json).success && !layoutSchema.safeParse(json).success;
}

function parseJson(bytes: Buffer | null | undefined): unknown {
  if (bytes === null || bytes === undefined || bytes.length === 0) return null;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * How a node elector cannot read is named: its raw data as text (a Curator participant's ID, a
 * kazoo identifier), or the znode name when it holds none.
 */
export function foreignIdOf(name: string, bytes: Buffer | null | undefined): string {
  const raw = bytes?.toString('utf8') ?? '';
  return raw.length > 0 ? raw : name;
}

/** A 64-bit zxid or session ID field (big-endian 8 bytes) as a bigint. */
export function int64Of(bytes: Buffer): bigint {
  return bytes.readBigInt64BE(0);
}

/** A session ID or ephemeralOwner as 16 hex digits, the form used in candidate names. */
export function hexOf(bytes: Buffer): string {
  return bytes.toString('hex').padStart(16, '0');
}
