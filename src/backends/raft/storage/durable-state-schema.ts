import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ElectorError } from '../../../core/errors.js';
import type { DurableState } from '../../../core/raft/state.js';
import {
  configurationSchema,
  countSchema,
  desiredMembersSchema,
  foundingPromiseSchema,
  memberIdSchema,
  ownListSchema,
} from '../membership-schemas.js';

export const durableStateSchema = z.strictObject({
  term: countSchema,
  votedFor: memberIdSchema.nullable(),
  configuration: configurationSchema.nullable(),
  promise: foundingPromiseSchema.nullable(),
  startedWith: ownListSchema.nullable(),
  desire: desiredMembersSchema.nullable(),
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
  return deepFreeze(parsed.data);
}

/** The bytes the checksum covers: the version and every field, in a fixed key order. */
function canonicalStateContent(version: number, state: DurableState): string {
  if (version === 1) {
    return JSON.stringify({ version, term: state.term, votedFor: state.votedFor });
  }
  return JSON.stringify({ version, ...orderedState(state) });
}

/**
 * The state as a plain object with every field in a fixed key order (nested ones too), so its
 * JSON is the same bytes for equal states, whatever order the caller built them in.
 */
export function orderedState(state: DurableState): DurableState {
  const { term, votedFor, configuration, promise, startedWith, desire } = state;
  return {
    term,
    votedFor,
    configuration:
      configuration === null
        ? null
        : {
            index: configuration.index,
            term: configuration.term,
            version: configuration.version,
            voters: configuration.voters,
            outgoing: configuration.outgoing,
          },
    promise: promise === null ? null : { seed: promise.seed, members: promise.members },
    startedWith:
      startedWith === null ? null : { members: startedWith.members, counter: startedWith.counter },
    desire:
      desire === null
        ? null
        : { members: desire.members, counter: desire.counter, author: desire.author },
  };
}

export function stateChecksum(version: number, state: DurableState): string {
  return createHash('sha256').update(canonicalStateContent(version, state), 'utf8').digest('hex');
}

/** Freezes a state and everything in it, so no reader can change what was loaded or saved. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    return `(unprintable: ${String(error)})`;
  }
}
