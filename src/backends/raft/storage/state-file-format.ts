import { z } from 'zod';
import { ElectorError } from '../../../core/errors.js';
import { initialDurableState, type DurableState } from '../../../core/raft/state.js';
import { countSchema, memberIdSchema } from '../membership-schemas.js';
import { deepFreeze, durableStateSchema, stateChecksum } from './durable-state-schema.js';

/**
 * The JSON state file of formats 1 and 2, which elector wrote before format 3 (state-slots.ts):
 * one JSON object with a format name, a version, the state and a checksum,
 *
 *   { "format": "elector-raft-state", "version": 2, "term": 7, "votedFor": "b",
 *     "configuration": { "index": 4, "term": 7, "version": 3, "voters": [...], "outgoing": null },
 *     "promise": null, "startedWith": { "members": [...], "counter": 2 },
 *     "desire": { "members": [...], "counter": 2, "author": "b" },
 *     "checksum": "<hex sha256 of the canonical content>" }
 *
 * Still read, so an upgraded member keeps its vote; the first save replaces it with format 3.
 * The checksum catches what JSON parsing cannot: a bit flip or a hand edit that still parses.
 * Version 1 (elector 0.1: term and vote only) is read too; see `legacyFormat`.
 */
const stateFileFormat = 'elector-raft-state';
const stateFileVersion = 2;
const legacyFileVersion = 1;

const checksumSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const stateFileSchema = z.strictObject({
  format: z.literal(stateFileFormat),
  version: z.literal(stateFileVersion),
  ...durableStateSchema.shape,
  checksum: checksumSchema,
});

const legacyStateFileSchema = z.strictObject({
  format: z.literal(stateFileFormat),
  version: z.literal(legacyFileVersion),
  term: countSchema,
  votedFor: memberIdSchema.nullable(),
  checksum: checksumSchema,
});

/** What a store loads: a version-1 file is marked, so the core takes its list as founded. */
export type LoadedState = DurableState & { readonly legacyFormat?: true };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a state file's bytes. Throws ElectorError STATE_CORRUPT, naming `path` and what is
 * wrong, for anything but a complete, valid file whose checksum matches.
 */
export function decodeStateFile(path: string, bytes: Uint8Array): LoadedState {
  if (bytes.byteLength === 0) throw corrupt(path, 'is empty (a write was cut short?)');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw corrupt(path, 'is not UTF-8 text', error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `is not valid JSON (truncated or overwritten?): ${String(error)}`, error);
  }
  const version = isRecord(value) ? value.version : undefined;
  if (version === legacyFileVersion) return decodeLegacy(path, value);
  if (version !== undefined && version !== stateFileVersion) {
    throw corrupt(
      path,
      `has format version ${JSON.stringify(version)}; this build reads JSON versions ${legacyFileVersion} and ${stateFileVersion} and the two-slot format 3`,
    );
  }
  const parsed = stateFileSchema.safeParse(value);
  if (!parsed.success)
    throw corrupt(path, `does not match the state file schema: ${problemsOf(parsed.error)}`);
  const { term, votedFor, configuration, promise, startedWith, desire, checksum } = parsed.data;
  const state: DurableState = { term, votedFor, configuration, promise, startedWith, desire };
  verifyChecksum(path, stateFileVersion, state, checksum);
  return deepFreeze(state);
}

function decodeLegacy(path: string, value: unknown): LoadedState {
  const parsed = legacyStateFileSchema.safeParse(value);
  if (!parsed.success)
    throw corrupt(path, `does not match the state file schema: ${problemsOf(parsed.error)}`);
  const state: DurableState = {
    ...initialDurableState,
    term: parsed.data.term,
    votedFor: parsed.data.votedFor,
  };
  verifyChecksum(path, legacyFileVersion, state, parsed.data.checksum);
  return deepFreeze({ ...state, legacyFormat: true });
}

function verifyChecksum(
  path: string,
  version: number,
  state: DurableState,
  checksum: string,
): void {
  const expected = stateChecksum(version, state);
  if (checksum !== expected) {
    throw corrupt(
      path,
      `fails its checksum: the file says ${checksum}, its content hashes to ${expected}`,
    );
  }
}

function problemsOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export function corrupt(path: string, what: string, cause?: unknown): ElectorError {
  return new ElectorError(
    'STATE_CORRUPT',
    `state file ${path} ${what}. Refusing to start from term 0, which could vote twice in ` +
      'one term. Restore the file from a backup; deleting it makes this member forget its ' +
      'vote, which is safe only once the cluster has moved past the term it voted in.',
    cause === undefined ? {} : { cause },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
