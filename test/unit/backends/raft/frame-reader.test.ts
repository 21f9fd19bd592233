import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeFrame,
  frameHeaderBytes,
  FrameReader,
} from '../../../../src/backends/raft/transport/frame-reader.js';

const maxFrameBytes = 512;

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort(
    (left, right) => left - right,
  );
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.byteLength]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('length-prefixed framing', () => {
  test('frames come out whole and in order however the stream is chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: maxFrameBytes }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)));
          const reader = new FrameReader(maxFrameBytes);
          const frames: Uint8Array[] = [];
          for (const chunk of split(stream, cuts)) {
            const result = reader.push(chunk);
            assert.equal(result.error, undefined);
            frames.push(...result.frames);
          }
          assert.deepEqual(
            frames.map((frame) => Buffer.from(frame)),
            bodies.map((body) => Buffer.from(body)),
          );
          assert.equal(reader.bufferedBytes, 0);
        },
      ),
    );
  });

  test('an oversize length is refused as soon as its header arrives, before any body', () => {
    const reader = new FrameReader(maxFrameBytes);
    const header = Buffer.alloc(frameHeaderBytes);
    header.writeUInt32BE(maxFrameBytes + 1);
    const first = reader.push(header.subarray(0, 3));
    assert.deepEqual(first, { frames: [] });
    const second = reader.push(header.subarray(3));
    assert.equal(second.error?.reason, 'oversize');
    assert.equal(reader.bufferedBytes, 0);
  });

  test('a frame of exactly the limit is accepted', () => {
    const reader = new FrameReader(maxFrameBytes);
    const result = reader.push(encodeFrame(new Uint8Array(maxFrameBytes)));
    assert.equal(result.error, undefined);
    assert.equal(result.frames.length, 1);
  });

  test('a zero length is malformed', () => {
    const reader = new FrameReader(maxFrameBytes);
    assert.equal(reader.push(Buffer.alloc(frameHeaderBytes)).error?.reason, 'malformed');
  });

  test('frames before a bad header are still returned, and nothing after it', () => {
    const reader = new FrameReader(maxFrameBytes);
    const bad = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const result = reader.push(Buffer.concat([encodeFrame(Buffer.from('ok')), bad]));
    assert.deepEqual(result.frames, [Buffer.from('ok')]);
    assert.equal(result.error?.reason, 'oversize');
    assert.deepEqual(reader.push(encodeFrame(Buffer.from('later'))), { frames: [] });
  });

  test('random bytes never throw, and never leave more than one frame buffered (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 10 }), (chunks) => {
        const reader = new FrameReader(maxFrameBytes);
        for (const chunk of chunks) {
          const result = reader.push(chunk);
          for (const frame of result.frames) assert.ok(frame.byteLength <= maxFrameBytes);
          assert.ok(reader.bufferedBytes < frameHeaderBytes + maxFrameBytes);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a truncated stream yields only the complete frames and keeps the rest buffered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (bodies, cut) => {
          const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)));
          const kept = cut % (stream.byteLength + 1);
          const reader = new FrameReader(maxFrameBytes);
          const result = reader.push(stream.subarray(0, kept));
          let complete = 0;
          let offset = 0;
          for (const body of bodies) {
            offset += frameHeaderBytes + body.byteLength;
            if (offset <= kept) complete += 1;
          }
          assert.equal(result.frames.length, complete);
          assert.equal(result.error, undefined);
        },
      ),
    );
  });
});
