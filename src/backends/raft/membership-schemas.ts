import { z } from 'zod';
import { supportedClusterSizes } from '../../core/raft/config.js';

/** Member IDs are pod names: DNS subdomains of at most 253 characters. */
export const maxMemberIdLength = 253;
/** The most members a list may name: the largest supported cluster. */
const maxListedMembers = Math.max(...supportedClusterSizes);

export const memberIdSchema = z.string().min(1).max(maxMemberIdLength);
/** zod 4's `int()` accepts only safe integers, so terms and indexes never lose precision. */
export const countSchema = z.int().nonnegative();

function isStrictlySorted(members: readonly string[]): boolean {
  return members.every((member, index) => index === 0 || (members[index - 1] ?? '') < member);
}

/** A member list as the core keeps it: 1 to 7 distinct IDs in sorted order. */
export const memberListSchema = z
  .array(memberIdSchema)
  .min(1)
  .max(maxListedMembers)
  .refine(isStrictlySorted, 'expected distinct member IDs in sorted order');

export const configurationIdSchema = z.strictObject({ index: countSchema, term: countSchema });

export const configurationSchema = z.strictObject({
  index: countSchema.min(1),
  term: countSchema,
  version: countSchema.min(1),
  voters: memberListSchema,
  outgoing: memberListSchema.nullable(),
});

export const desireTagSchema = z.strictObject({ counter: countSchema, author: memberIdSchema });

export const desiredMembersSchema = z.strictObject({
  members: memberListSchema,
  counter: countSchema,
  author: memberIdSchema,
});

export const foundingPromiseSchema = z.strictObject({
  seed: memberIdSchema,
  members: memberListSchema,
});

export const ownListSchema = z.strictObject({ members: memberListSchema, counter: countSchema });
