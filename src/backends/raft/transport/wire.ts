import { z } from 'zod';
import type { PeerDropReason } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import { supportedClusterSizes } from '../../../core/raft/config.js';
import {
  peerMessageTypes,
  type PeerMessage,
  type PeerMessageType,
} from '../../../core/raft/messages.js';
import {
  configurationIdSchema,
  configurationSchema,
  countSchema,
  desiredMembersSchema,
  desireTagSchema,
  memberIdSchema,
  memberListSchema,
  ownListSchema,
} from '../membership-schemas.js';

/**
 * Largest encoded peer message accepted or sent. The largest real message, a heartbeat that
 * carries a joint configuration and a desired list of seven 253-character IDs each, is under
 * 7 KiB; most are a few hundred bytes.
 */
export const maxPeerMessageBytes = 16 * 1024;

export { maxMemberIdLength } from '../membership-schemas.js';

/** zod 4 rejects ±Infinity and NaN; JSON.parse turns `1e400` into Infinity. */
const clockReading = z.number();

/** The leader's succession order: distinct IDs of other members, in order of rank. */
const successionSchema = z
  .array(memberIdSchema)
  .min(1)
  .max(Math.max(...supportedClusterSizes) - 1)
  .refine((members) => new Set(members).size === members.length, 'expected distinct member IDs');

const envelope = { from: memberIdSchema, to: memberIdSchema, term: countSchema } as const;

const preVoteSchema = z.strictObject({
  type: z.literal('pre-vote'),
  ...envelope,
  configurationId: configurationIdSchema,
});
const preVoteResponseSchema = z.strictObject({
  type: z.literal('pre-vote-response'),
  ...envelope,
  granted: z.boolean(),
  configuration: configurationSchema.exactOptional(),
});
const voteSchema = z.strictObject({
  type: z.literal('vote'),
  ...envelope,
  transfer: z.boolean(),
  configurationId: configurationIdSchema,
});
const voteResponseSchema = z.strictObject({
  type: z.literal('vote-response'),
  ...envelope,
  granted: z.boolean(),
  configuration: configurationSchema.exactOptional(),
});
const heartbeatSchema = z.strictObject({
  type: z.literal('heartbeat'),
  ...envelope,
  sentAt: clockReading,
  configurationId: configurationIdSchema,
  configuration: configurationSchema.exactOptional(),
  commitIndex: countSchema,
  desireTag: desireTagSchema.nullable(),
  desire: desiredMembersSchema.exactOptional(),
  succession: successionSchema.exactOptional(),
});
const heartbeatResponseSchema = z.strictObject({
  type: z.literal('heartbeat-response'),
  ...envelope,
  echo: clockReading,
  success: z.boolean(),
  eligible: z.boolean(),
  leaving: z.boolean().exactOptional(),
  priority: countSchema.exactOptional(),
  ownList: ownListSchema,
  configurationId: configurationIdSchema,
  desireTag: desireTagSchema.nullable(),
  desire: desiredMembersSchema.exactOptional(),
});
const timeoutNowSchema = z.strictObject({
  type: z.literal('timeout-now'),
  ...envelope,
  withVote: z.literal(true).exactOptional(),
});
const foundSchema = z.strictObject({
  type: z.literal('found'),
  ...envelope,
  members: memberListSchema,
});
const foundResponseSchema = z.strictObject({
  type: z.literal('found-response'),
  ...envelope,
  members: memberListSchema,
  accepted: z.boolean(),
  reason: z.string().max(1024).exactOptional(),
  configurationId: configurationIdSchema,
});
const helloSchema = z.strictObject({
  type: z.literal('hello'),
  ...envelope,
  configurationId: configurationIdSchema,
  desireTag: desireTagSchema.nullable(),
});
const helloResponseSchema = z.strictObject({
  type: z.literal('hello-response'),
  ...envelope,
  leader: memberIdSchema.nullable(),
  configuration: configurationSchema.exactOptional(),
  isLeaderCommitted: z.boolean().exactOptional(),
  desire: desiredMembersSchema.exactOptional(),
});

/**
 * One schema per message type. The `satisfies` clause makes the compiler prove that every
 * PeerMessage type has a schema and that each schema's output is that exact message type.
 */
const peerMessageSchemas = {
  'pre-vote': preVoteSchema,
  'pre-vote-response': preVoteResponseSchema,
  vote: voteSchema,
  'vote-response': voteResponseSchema,
  heartbeat: heartbeatSchema,
  'heartbeat-response': heartbeatResponseSchema,
  'timeout-now': timeoutNowSchema,
  found: foundSchema,
  'found-response': foundResponseSchema,
  hello: helloSchema,
  'hello-response': helloResponseSchema,
} as const satisfies {
  readonly [K in PeerMessageType]: z.ZodType<Extract<PeerMessage, { readonly type: K }>>;
};

// Built from the map above, so a message type without a schema fails to compile.
const peerMessageSchema = z.discriminatedUnion('type', [
  peerMessageSchemas['pre-vote'],
  peerMessageSchemas['pre-vote-response'],
  peerMessageSchemas['vote'],
  peerMessageSchemas['vote-response'],
  peerMessageSchemas['heartbeat'],
  peerMessageSchemas['heartbeat-response'],
  peerMessageSchemas['timeout-now'],
  peerMessageSchemas['found'],
  peerMessageSchemas['found-response'],
  peerMessageSchemas['hello'],
  peerMessageSchemas['hello-response'],
]);

export type DecodeResult =
  | { readonly ok: true; readonly message: PeerMessage }
  | {
      readonly ok: false;
      readonly reason: PeerDropReason;
      readonly detail: string;
      /** The claimed message type when it is a known one, else 'unknown' (a fixed metric label). */
      readonly messageType: string;
    };

/** Encoding refuses only a message over the size limit. */
export type EncodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: 'oversize'; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const maxDetailLength = 200;

/**
 * Turns bytes from a peer into a PeerMessage, or says why not. Never throws, whatever the
 * input: the size is checked first, then the bytes are parsed as UTF-8 JSON, then validated.
 */
export function decodePeerMessage(
  bytes: Uint8Array,
  maxBytes: number = maxPeerMessageBytes,
): DecodeResult {
  if (bytes.byteLength > maxBytes) {
    return dropped('oversize', `${bytes.byteLength} bytes; the limit is ${maxBytes}`, 'unknown');
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return dropped('malformed', `not UTF-8 JSON: ${describe(error)}`, 'unknown');
  }
  const parsed = peerMessageSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    return dropped('malformed', problems.join('; '), claimedType(value));
  }
  return { ok: true, message: parsed.data };
}

/**
 * Encodes a message for the wire, or refuses it when it exceeds the size limit. It is not
 * validated here: the receiver validates every message (decodePeerMessage), and the core only
 * builds messages that pass, which test/sim/wire-conformance.test.ts checks for every message
 * of randomized fault schedules. Validating again on the way out cost the leader about a seventh
 * of its idle CPU (a perf profile of an idle mesh, bench/README.md "Idle").
 */
export function tryEncodePeerMessage(
  message: PeerMessage,
  maxBytes: number = maxPeerMessageBytes,
): EncodeResult {
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  if (bytes.byteLength > maxBytes) {
    return {
      ok: false,
      reason: 'oversize',
      detail: `${bytes.byteLength} bytes; the limit is ${maxBytes}`,
    };
  }
  return { ok: true, bytes };
}

/** Like tryEncodePeerMessage, but throws ElectorError PEER_MESSAGE_INVALID instead of returning a failure. */
export function encodePeerMessage(
  message: PeerMessage,
  maxBytes: number = maxPeerMessageBytes,
): Uint8Array {
  const result = tryEncodePeerMessage(message, maxBytes);
  if (!result.ok) {
    throw new ElectorError(
      'PEER_MESSAGE_INVALID',
      `cannot encode ${message.type} message (${result.reason}): ${result.detail}`,
    );
  }
  return result.bytes;
}

function dropped(reason: PeerDropReason, detail: string, messageType: string): DecodeResult {
  return { ok: false, reason, detail: detail.slice(0, maxDetailLength), messageType };
}

function claimedType(value: unknown): string {
  if (typeof value !== 'object' || value === null || !('type' in value)) return 'unknown';
  const { type } = value;
  const known: readonly string[] = peerMessageTypes;
  return typeof type === 'string' && known.includes(type) ? type : 'unknown';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
