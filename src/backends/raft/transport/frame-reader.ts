/**
 * Length-prefixed framing over a TCP byte stream: each frame is a 4-byte big-endian body
 * length followed by the body. A length above the limit is refused as soon as its 4 header
 * bytes arrive, before any of the body is buffered.
 */
export const frameHeaderBytes = 4;

export interface FrameError {
  readonly reason: 'oversize' | 'malformed';
  readonly detail: string;
}

export interface FrameReadResult {
  /** Complete frame bodies, in stream order. */
  readonly frames: readonly Buffer[];
  /** Set once the stream is unusable; the connection must be closed. Later pushes return no frames. */
  readonly error?: FrameError;
}

/** Prefixes `body` with its length. The caller keeps bodies within the peer's limit. */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.byteLength);
  frame.writeUInt32BE(body.byteLength, 0);
  frame.set(body, frameHeaderBytes);
  return frame;
}

/** Splits a byte stream into frame bodies. Never throws; buffers at most one frame plus one chunk. */
export class FrameReader {
  readonly #maxFrameBytes: number;
  #pending: Buffer = Buffer.alloc(0);
  #error: FrameError | undefined;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Uint8Array): FrameReadResult {
    if (this.#error !== undefined) return { frames: [] };
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#pending =
      this.#pending.byteLength === 0 ? incoming : Buffer.concat([this.#pending, incoming]);
    const frames: Buffer[] = [];
    while (this.#pending.byteLength >= frameHeaderBytes) {
      const length = this.#pending.readUInt32BE(0);
      if (length === 0 || length > this.#maxFrameBytes) {
        this.#error =
          length === 0
            ? { reason: 'malformed', detail: 'frame length 0' }
            : {
                reason: 'oversize',
                detail: `frame length ${length}; the limit is ${this.#maxFrameBytes}`,
              };
        this.#pending = Buffer.alloc(0);
        return { frames, error: this.#error };
      }
      const end = frameHeaderBytes + length;
      if (this.#pending.byteLength < end) break;
      // Copy, so a small frame does not pin the whole socket chunk it arrived in.
      frames.push(Buffer.from(this.#pending.subarray(frameHeaderBytes, end)));
      this.#pending = this.#pending.subarray(end);
    }
    return { frames };
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#pending.byteLength;
  }
}
