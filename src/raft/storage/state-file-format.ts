import { z } from 'zod';
import { ElectorError } from '../../core/errors.js';
import type { DurableState } from '../../core/raft/state.js';
import { durableStateSchema, stateChecksum } from './durable-state-schema.js';

/**
 * The state file: one JSON object with a format name, a version, the state and a checksum,
 *
 *   { "format": "elector-raft-state", "version": 1, "term": 7, "votedFor": "b",
 *     "checksum": "<hex sha256 of {"version":1,"term":7,"votedFor":"b"}>" }
 *
 * The checksum catches what JSON parsing cannot: a bit flip or a hand edit that still parses.
 */
export const stateFileFormat = 'elector-raft-state';
export const stateFileVersion = 1;

const stateFileSchema = z.strictObject({
  format: z.literal(stateFileFormat),
  version: z.literal(stateFileVersion),
  ...durableStateSchema.shape,
  checksum: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeStateFile(state: DurableState): string {
  const file: z.infer<typeof stateFileSchema> = {
    format: stateFileFormat,
    version: stateFileVersion,
    term: state.term,
    votedFor: state.votedFor,
    checksum: stateChecksum(stateFileVersion, state),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Parses a state file's bytes. Throws ElectorError STATE_CORRUPT, naming `path` and what is
 * wrong, for anything but a complete, valid file whose checksum matches.
 */
export function decodeStateFile(path: string, bytes: Uint8Array): DurableState {
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
  if (version !== undefined && version !== stateFileVersion) {
    throw corrupt(
      path,
      `has format version ${JSON.stringify(version)}; this build reads version ${stateFileVersion}`,
    );
  }
  const parsed = stateFileSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
    );
    throw corrupt(path, `does not match the state file schema: ${problems.join('; ')}`);
  }
  const state: DurableState = { term: parsed.data.term, votedFor: parsed.data.votedFor };
  const expected = stateChecksum(stateFileVersion, state);
  if (parsed.data.checksum !== expected) {
    throw corrupt(
      path,
      `fails its checksum: the file says ${parsed.data.checksum}, its content hashes to ${expected}`,
    );
  }
  return Object.freeze(state);
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
