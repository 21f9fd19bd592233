import { z } from 'zod';

/**
 * Candidate znodes are `candidate-<session id hex>-<10-digit sequence>`, EPHEMERAL_SEQUENTIAL
 * (ZooKeeper recipes, "Leader Election"). The session ID in the name is our take on Curator's
 * protected mode: after a create whose response was lost, the member finds its own node by
 * name instead of creating a second one that would block the queue until the session ends.
 */
const candidatePrefix = 'candidate-';

export interface CandidateName {
  readonly name: string;
  readonly sessionHex: string;
  readonly sequence: number;
}

/** What a candidate stores in its znode; parsed with zod since any client can write there. */
export interface CandidateData {
  readonly memberId: string;
  readonly address: string;
}

const candidateDataSchema = z.object({ memberId: z.string().min(1), address: z.string() });
const namePattern = /^candidate-([0-9a-f]{16})-(\d{10})$/;

/** The path to create (the server appends the sequence number). */
export function candidateCreatePath(parentPath: string, sessionHex: string): string {
  return `${parentPath}/${candidatePrefix}${sessionHex}-`;
}

/** Parses a child name; null for anything that is not a candidate znode (ignored, not fatal). */
function parseCandidateName(name: string): CandidateName | null {
  const match = namePattern.exec(name);
  if (match === null) return null;
  const [, sessionHex, sequence] = match;
  if (sessionHex === undefined || sequence === undefined) return null;
  return { name, sessionHex, sequence: Number(sequence) };
}

/**
 * Candidates in queue order: by sequence, which ZooKeeper assigns from the parent's cversion,
 * so it grows with creation order. Names cannot be sorted as strings: the session part differs.
 */
export function sortCandidates(children: readonly string[]): CandidateName[] {
  return children
    .map(parseCandidateName)
    .filter((candidate): candidate is CandidateName => candidate !== null)
    .sort((left, right) => left.sequence - right.sequence);
}

/** The znode data: JSON with the member ID and its advertised address. */
export function encodeCandidateData(data: CandidateData): Buffer {
  return Buffer.from(JSON.stringify({ memberId: data.memberId, address: data.address }), 'utf8');
}

/** Null if the bytes are not a candidate's JSON (a foreign or corrupt node). */
export function decodeCandidateData(bytes: Buffer | null | undefined): CandidateData | null {
  if (bytes === null || bytes === undefined || bytes.length === 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = candidateDataSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** A 64-bit zxid or session ID field (big-endian 8 bytes) as a bigint. */
export function int64Of(bytes: Buffer): bigint {
  return bytes.readBigInt64BE(0);
}

/** A session ID or ephemeralOwner as 16 hex digits, the form used in candidate names. */
export function hexOf(bytes: Buffer): string {
  return bytes.toString('hex').padStart(16, '0');
}
