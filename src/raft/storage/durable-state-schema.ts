import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ElectorError } from '../../core/errors.js';
import type { DurableState } from '../../core/raft/state.js';

/** Member IDs are pod names: DNS subdomains of at most 253 characters. */
const maxMemberIdLength = 253;

export const durableStateSchema = z.strictObject({
  term: z.int().nonnegative(),
  votedFor: z.string().min(1).max(maxMemberIdLength).nullable(),
});

/** Checks a state before it is stored; an invalid one is a bug in the caller. */
export function validateDurableState(state: DurableState): DurableState {
  const parsed = durableStateSchema.safeParse(state);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ElectorError(
      'INTERNAL',
      `refusing to save invalid durable state ${safeJson(state)}: ${problems.join('; ')}`,
    );
  }
  return Object.freeze({ term: parsed.data.term, votedFor: parsed.data.votedFor });
}

/** The bytes the checksum covers: version, term and vote in a fixed key order. */
export function canonicalStateContent(version: number, state: DurableState): string {
  return JSON.stringify({ version, term: state.term, votedFor: state.votedFor });
}

export function stateChecksum(version: number, state: DurableState): string {
  return createHash('sha256').update(canonicalStateContent(version, state), 'utf8').digest('hex');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    return `(unprintable: ${String(error)})`;
  }
}
