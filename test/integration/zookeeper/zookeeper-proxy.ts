// A TCP proxy between one ZooKeeper client and a server that can inject two faults:
// - dropNextCreateResponse(): the next create request reaches the server and is applied, but
//   its response is swallowed and the connection cut, as when a network drops at that instant;
// - blackhole(): stop forwarding in both directions without closing anything (a hung server).
import { connect, createServer, type Server, type Socket } from 'node:net';

const createOpCode = 1;

export interface ZooKeeperProxy {
  readonly port: number;
  /**
   * Arms the create fault once, for the next create whose path contains `pathPart`;
   * `droppedCreatePath` then holds the path the server created.
   */
  dropNextCreateResponse(pathPart: string): void;
  readonly droppedCreatePath: () => string | null;
  blackhole(isOn: boolean): void;
  close(): Promise<void>;
}

/** Splits a ZooKeeper stream into length-prefixed frames; the first one of a stream is the handshake. */
class FrameReader {
  private buffer = Buffer.alloc(0);
  frames = 0;

  push(chunk: Buffer): Buffer[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + size) break;
      frames.push(this.buffer.subarray(0, 4 + size));
      this.buffer = this.buffer.subarray(4 + size);
    }
    return frames;
  }
}

export async function startZooKeeperProxy(targetPort: number): Promise<ZooKeeperProxy> {
  let armedPathPart: string | null = null;
  let droppedCreatePath: string | null = null;
  let isBlackholed = false;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const fromClient = new FrameReader();
    const fromServer = new FrameReader();
    let awaitedXid: number | null = null;
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (isBlackholed) return;
      for (const frame of fromClient.push(chunk)) {
        fromClient.frames += 1;
        if (armedPathPart !== null && fromClient.frames > 1 && isCreateOf(frame, armedPathPart)) {
          armedPathPart = null;
          awaitedXid = frame.readInt32BE(4);
        }
        upstream.write(frame);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (isBlackholed) return;
      for (const frame of fromServer.push(chunk)) {
        fromServer.frames += 1;
        const isReply = fromServer.frames > 1 && frame.length >= 20;
        if (isReply && awaitedXid !== null && frame.readInt32BE(4) === awaitedXid) {
          // ReplyHeader: xid, zxid (8 bytes), err; then CreateResponse: the path (int length + bytes).
          const pathLength = frame.readInt32BE(20);
          droppedCreatePath = frame.subarray(24, 24 + pathLength).toString('utf8');
          cut();
          return;
        }
        client.write(frame);
      }
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    dropNextCreateResponse: (pathPart) => {
      armedPathPart = pathPart;
    },
    droppedCreatePath: () => droppedCreatePath,
    blackhole: (isOn) => {
      isBlackholed = isOn;
      // Bytes were dropped mid-stream, so no old connection can be trusted any more.
      if (!isOn) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A create request frame: length, xid, type, then the path as a length-prefixed string. */
function isCreateOf(frame: Buffer, pathPart: string): boolean {
  if (frame.length < 16 || frame.readInt32BE(8) !== createOpCode) return false;
  const pathLength = frame.readInt32BE(12);
  return frame
    .subarray(16, 16 + pathLength)
    .toString('utf8')
    .includes(pathPart);
}
