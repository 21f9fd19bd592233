import { createHash } from 'node:crypto';
import type { DurableState } from '../../../core/raft/state.js';
import { deepFreeze, durableStateSchema, orderedState } from './durable-state-schema.js';

/**
 * Format 3 of the state file: two slots of the same size, one after the other, each holding one
 * complete record or nothing valid. A save rewrites the slot that does not hold the newest
 * record, in place, with one synchronous write (O_DSYNC, fdatasync's guarantee); a load takes
 * the valid slot with the higher sequence number. A crash in the middle of a write can tear only
 * the slot being written, and its checksum then fails, so the other slot (the previous save) is
 * loaded: never a mix of two saves, never a state newer than the last save that completed.
 *
 * A slot is text up to its padding, so `head -c 4096 raft-state.json` shows a record:
 *
 *   elector-raft-state/3 0000000000000042 00000389 <sha256, 64 hex digits>\n
 *   {"term":7,"votedFor":"b","configuration":{...},"promise":null,...}\n
 *   NUL bytes up to the slot's end
 *
 * The header is fixed-width: magic, sequence number (16 decimal digits), payload length in bytes
 * (8 decimal digits) and the SHA-256 of the header's first three fields (with their separators)
 * followed by the payload. The payload is the whole durable state as JSON, keys in a fixed order.
 *
 * Why the whole state in every record, configuration included, rather than term and vote on a
 * fast path and the configuration elsewhere: the state is small and bounded (at most seven
 * members per list, IDs of at most 253 characters, about 60 KB in the very worst case and under
 * 1 KB for a usual cluster), so one record keeps it atomic as the JSON file did, and a save
 * costs one write whatever changed. The slot size is the smallest power of two, at least 4096
 * bytes (a page, so the slots never share a sector), that holds the record; it only grows, when
 * a larger configuration no longer fits, and only by laying the file out again (see
 * FileStateStore), which is rare. The file's length (two slots) says the slot size.
 */
const slotMagic = 'elector-raft-state/3';
const minimumSlotSize = 4096;
const sequenceDigits = 16;
const lengthDigits = 8;
const checksumDigits = 64;
/** magic, space, sequence, space, length, space, checksum, newline */
const headerLength =
  slotMagic.length + 1 + sequenceDigits + 1 + lengthDigits + 1 + checksumDigits + 1;
const checksumOffset = headerLength - checksumDigits - 1;
const headerPattern = new RegExp(
  `^${slotMagic} (\\d{${sequenceDigits}}) (\\d{${lengthDigits}}) ([0-9a-f]{${checksumDigits}})\\n$`,
);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload of a record: the state as JSON, keys in a fixed order. */
export function encodeSlotPayload(state: DurableState): Uint8Array {
  return Buffer.from(JSON.stringify(orderedState(state)), 'utf8');
}

/** The smallest slot that holds a record with this payload. */
export function slotSizeFor(payload: Uint8Array): number {
  const needed = headerLength + payload.byteLength + 1;
  let size = minimumSlotSize;
  while (size < needed) size *= 2;
  return size;
}

/** One slot's bytes, `slotSize` long: header, payload, newline, NUL padding. */
export function encodeSlot(payload: Uint8Array, sequence: number, slotSize: number): Uint8Array {
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new RangeError(`slot sequence must be a positive safe integer; got ${sequence}`);
  if (headerLength + payload.byteLength + 1 > slotSize)
    throw new RangeError(
      `a ${payload.byteLength}-byte payload does not fit a ${slotSize}-byte slot`,
    );
  const fields = `${slotMagic} ${String(sequence).padStart(sequenceDigits, '0')} ${String(
    payload.byteLength,
  ).padStart(lengthDigits, '0')} `;
  const slot = Buffer.alloc(slotSize);
  slot.write(fields, 0, 'latin1');
  slot.write(
    `${checksumOf(slot.subarray(0, checksumOffset), payload)}\n`,
    checksumOffset,
    'latin1',
  );
  slot.set(payload, headerLength);
  slot[headerLength + payload.byteLength] = 0x0a;
  return slot;
}

/** A freshly laid out file: the record in slot 0, slot 1 empty. */
export function encodeSlotFile(
  payload: Uint8Array,
  sequence: number,
  slotSize: number,
): Uint8Array {
  const file = Buffer.alloc(slotSize * 2);
  file.set(encodeSlot(payload, sequence, slotSize), 0);
  return file;
}

/**
 * Whether the bytes are a format-3 file rather than a JSON file of formats 1 and 2: either slot
 * starts with the magic. Slot 1 counts too, because a crash while rewriting slot 0 may have
 * left anything at the start of the file. A JSON file starts with `{`, and could hold the magic
 * at the half of its length only inside a member ID, which is a pod name (no `/`, no spaces).
 */
export function isSlotFile(bytes: Uint8Array): boolean {
  const half = bytes.byteLength / 2;
  return hasMagicAt(bytes, 0) || (Number.isInteger(half) && hasMagicAt(bytes, half));
}

function hasMagicAt(bytes: Uint8Array, offset: number): boolean {
  const found = Buffer.from(bytes.subarray(offset, offset + slotMagic.length));
  return found.toString('latin1') === slotMagic;
}

/** Where the newest record of a format-3 file lies, and what it holds. */
export interface SlotRead {
  readonly state: DurableState;
  readonly sequence: number;
  /** 0 or 1: the slot holding the newest record; the next save writes the other one. */
  readonly slot: 0 | 1;
  readonly slotSize: number;
}

/** The newest valid record of a format-3 file, or why there is none (for STATE_CORRUPT). */
export function decodeSlotFile(bytes: Uint8Array): SlotRead | { readonly problem: string } {
  const slotSize = bytes.byteLength / 2;
  if (!isPowerOfTwo(slotSize) || slotSize < minimumSlotSize) {
    return {
      problem: `is ${bytes.byteLength} bytes long; a format-3 file holds two slots of the same power-of-two size of at least ${minimumSlotSize} bytes`,
    };
  }
  const records = [decodeSlot(bytes.subarray(0, slotSize)), decodeSlot(bytes.subarray(slotSize))];
  const valid = records.flatMap((record, index) =>
    'problem' in record ? [] : [{ ...record, slot: index === 0 ? (0 as const) : (1 as const) }],
  );
  const [newest, other] = valid.sort((a, b) => b.sequence - a.sequence);
  if (newest === undefined) {
    const [first, second] = records.map((record) => ('problem' in record ? record.problem : ''));
    return { problem: `has no valid slot: slot 0 ${first ?? ''}; slot 1 ${second ?? ''}` };
  }
  // Saves alternate slots with increasing sequence numbers: two equal ones were never written.
  if (other !== undefined && other.sequence === newest.sequence)
    return { problem: `has two slots with the same sequence number ${newest.sequence}` };
  return { ...newest, slotSize };
}

type SlotRecord = { readonly state: DurableState; readonly sequence: number };

function decodeSlot(slot: Uint8Array): SlotRecord | { readonly problem: string } {
  if (slot.every((byte) => byte === 0)) return { problem: 'is empty' };
  const header = Buffer.from(slot.subarray(0, headerLength)).toString('latin1');
  const match = headerPattern.exec(header);
  if (match === null) return { problem: 'has no valid header (a write was cut short?)' };
  const sequence = Number(match[1]);
  const length = Number(match[2]);
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    return { problem: `has sequence number ${match[1] ?? ''}` };
  if (headerLength + length + 1 > slot.byteLength)
    return { problem: `claims a ${length}-byte payload, more than the slot holds` };
  const payload = slot.subarray(headerLength, headerLength + length);
  if (checksumOf(slot.subarray(0, checksumOffset), payload) !== match[3])
    return { problem: 'fails its checksum (a write was cut short?)' };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(payload));
  } catch (error) {
    return { problem: `passes its checksum but its payload is not JSON: ${String(error)}` };
  }
  const parsed = durableStateSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { problem: `passes its checksum but does not match the state schema: ${problems}` };
  }
  return { state: deepFreeze(parsed.data), sequence };
}

function checksumOf(fields: Uint8Array, payload: Uint8Array): string {
  return createHash('sha256').update(fields).update(payload).digest('hex');
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
}
