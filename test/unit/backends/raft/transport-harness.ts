import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import type { ElectionEvent, PeerDropReason } from '../../../../src/core/election-events.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { seededRandom } from '../../../../src/core/random.js';
import { encodeFrame, FrameReader } from '../../../../src/backends/raft/transport/frame-reader.js';
import type { PeerAddress } from '../../../../src/backends/raft/transport/outbound-peer.js';
import { PeerTransport } from '../../../../src/backends/raft/transport/peer-transport.js';
import { SecureChannel } from '../../../../src/backends/raft/transport/secure-channel.js';
import type { PeerTransportOptions } from '../../../../src/backends/raft/transport/transport-options.js';
import {
  decodePeerMessage,
  encodePeerMessage,
} from '../../../../src/backends/raft/transport/wire.js';
import { waitFor } from '../../../../lab/wait-for.js';
import { ManualClock } from '../../manual-clock.js';

const clusterSecret = Buffer.alloc(32, 0x5a);

/** Short timings so reconnection tests finish quickly. */
const fastTimings = {
  handshakeTimeoutMs: 1000,
  backoff: { baseDelayMs: 10, maxDelayMs: 100 },
  keepaliveIntervalMs: 100,
  idleTimeoutMs: 1000,
} as const;

type LogLine = Readonly<Record<string, unknown>>;

/** A pino logger whose lines are kept as parsed objects. */
function capturingLogger(lines: LogLine[]): Logger {
  return pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
}

/** Addresses of members by ID; lookups wait until `open()` so members can start in any order. */
export class AddressBook {
  readonly addresses = new Map<string, PeerAddress>();
  readonly lookups: string[] = [];
  #open: () => void = () => undefined;
  readonly #ready = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  open(): void {
    this.#open();
  }

  readonly resolve = async (id: string): Promise<PeerAddress> => {
    this.lookups.push(id);
    await this.#ready;
    const address = this.addresses.get(id);
    if (address === undefined) throw new Error(`no address for ${id}`);
    return address;
  };
}

export interface Member {
  readonly id: string;
  readonly transport: PeerTransport;
  readonly controller: AbortController;
  readonly events: ElectionEvent[];
  readonly received: PeerMessage[];
  readonly logs: LogLine[];
  readonly clock: ManualClock;
  readonly port: number;
  stop(): Promise<void>;
}

export interface MemberOptions {
  readonly id: string;
  readonly peers: readonly string[];
  readonly book: AddressBook;
  readonly overrides?: Partial<PeerTransportOptions>;
}

/** Starts a transport on 127.0.0.1 (port 0 unless overridden) and records its address. */
export async function startMember(options: MemberOptions): Promise<Member> {
  const events: ElectionEvent[] = [];
  const received: PeerMessage[] = [];
  const logs: LogLine[] = [];
  const clock = new ManualClock();
  const controller = new AbortController();
  const transport = new PeerTransport({
    selfId: options.id,
    listenHost: '127.0.0.1',
    listenPort: 0,
    peers: options.peers,
    resolvePeer: options.book.resolve,
    secret: clusterSecret,
    observe: (event) => {
      events.push(event);
    },
    logger: capturingLogger(logs),
    random: seededRandom(options.id.length),
    clock,
    ...fastTimings,
    ...options.overrides,
  });
  transport.onMessage((message) => {
    received.push(message);
  });
  await transport.start(controller.signal);
  const address = transport.listenAddress();
  if (address === null) throw new Error('transport did not report its address');
  options.book.addresses.set(options.id, address);
  return {
    id: options.id,
    transport,
    controller,
    events,
    received,
    logs,
    clock,
    port: address.port,
    async stop() {
      controller.abort();
      await transport.stopped();
    },
  };
}

export function countDrops(
  events: readonly ElectionEvent[],
  direction: 'in' | 'out',
  reason: PeerDropReason,
): number {
  return events.filter(
    (event) =>
      event.type === 'peer-message' &&
      event.result === 'dropped' &&
      event.direction === direction &&
      event.reason === reason,
  ).length;
}

export function countAccepted(events: readonly ElectionEvent[], direction: 'in' | 'out'): number {
  return events.filter(
    (event) =>
      event.type === 'peer-message' && event.result === 'accepted' && event.direction === direction,
  ).length;
}

export function vote(from: string, to: string, term: number): PeerMessage {
  return { type: 'vote', from, to, term, transfer: false, configurationId: { index: 1, term: 0 } };
}

/** Sends `message` on every poll until `member` has received a message matching `isExpected`. */
export async function sendUntilReceived(
  sender: Member,
  receiver: Member,
  message: PeerMessage,
  what: string,
): Promise<void> {
  await waitFor(
    () => {
      if (
        receiver.received.some((seen) => seen.term === message.term && seen.from === message.from)
      ) {
        return true;
      }
      sender.transport.send(message);
      return false;
    },
    { timeoutMs: 5000, what, intervalMs: 10 },
  );
}

/** A raw TCP connection that records whether the other side closed it. */
export interface RawConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

/** Connects from `localAddress` (any of 127.0.0.0/8 works on Linux) to play distinct hosts. */
export async function connectRaw(port: number, localAddress = '127.0.0.1'): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let isClosed = false;
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      isClosed = true;
      resolve();
    });
  });
  socket.on('error', () => undefined);
  // Reading is what reveals the other side's close; a paused socket would never see it.
  socket.resume();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed, isClosed: () => isClosed };
}

/** A hand-driven dialer speaking the real protocol, for tests that misbehave after the handshake. */
export interface ProtocolClient extends RawConnection {
  readonly channel: SecureChannel;
  /** Every empty (keepalive) frame received. */
  keepalives(): number;
  /** Every message received (non-empty frames that decode), in order. */
  messages(): readonly PeerMessage[];
  sendPayload(payload: Uint8Array): void;
  sendMessage(message: PeerMessage): void;
  /** Every frame body sent so far, hello first, for replay tests. */
  readonly sentBodies: Buffer[];
  /** True once the handshake succeeded, false if the connection closed before. */
  readonly handshake: Promise<boolean>;
}

export async function connectClient(
  port: number,
  selfId: string,
  secret: Uint8Array = clusterSecret,
): Promise<ProtocolClient> {
  const raw = await connectRaw(port);
  const channel = new SecureChannel({
    role: 'dialer',
    selfId,
    secret,
    isAcceptablePeer: () => true,
  });
  const reader = new FrameReader(1 << 20);
  const sentBodies: Buffer[] = [];
  let keepalives = 0;
  const messages: PeerMessage[] = [];
  let settleHandshake: (isAuthenticated: boolean) => void = () => undefined;
  const handshake = new Promise<boolean>((resolve) => {
    settleHandshake = resolve;
  });
  void raw.closed.then(() => {
    settleHandshake(false);
  });
  const sendBody = (body: Buffer): void => {
    sentBodies.push(body);
    raw.socket.write(encodeFrame(body));
  };
  raw.socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk).frames) {
      for (const event of channel.receive(frame)) {
        if (event.type === 'send') sendBody(event.body);
        if (event.type === 'payload' && event.payload.byteLength === 0) keepalives += 1;
        if (event.type === 'payload' && event.payload.byteLength > 0) {
          const decoded = decodePeerMessage(event.payload);
          if (decoded.ok) messages.push(decoded.message);
        }
        if (event.type === 'authenticated') settleHandshake(true);
      }
    }
  });
  sendBody(channel.helloBody());
  return {
    ...raw,
    channel,
    sentBodies,
    handshake,
    keepalives: () => keepalives,
    messages: () => messages,
    sendPayload(payload) {
      sendBody(channel.seal(payload));
    },
    sendMessage(message) {
      sendBody(channel.seal(encodePeerMessage(message)));
    },
  };
}

export const wait = { timeoutMs: 5000, intervalMs: 10 } as const;

export async function startCluster(
  t: TestContext,
  ids: readonly string[],
  overrides: MemberOptions['overrides'] = {},
): Promise<{ book: AddressBook; members: Member[] }> {
  const book = new AddressBook();
  const members = await Promise.all(
    ids.map((id) => startMember({ id, peers: ids.filter((peer) => peer !== id), book, overrides })),
  );
  t.after(() => Promise.all(members.map((member) => member.stop())));
  return { book, members };
}

/**
 * One member whose peers are not running, so a test can play a peer with a hand-driven client
 * (a real peer would take the connection over: the newest authenticated one wins).
 */
export async function startLoneMember(
  t: TestContext,
  peers: readonly string[],
  overrides: MemberOptions['overrides'] = {},
): Promise<Member> {
  const book = new AddressBook();
  book.open();
  const member = await startMember({ id: 'a', peers, book, overrides });
  t.after(() => member.stop());
  return member;
}

/** Waits, bounded, for the transport to close a connection: the failure names what stayed open. */
export async function closedByPeer(connection: RawConnection): Promise<void> {
  await waitFor(() => connection.isClosed(), {
    ...wait,
    what: 'the transport to close the connection',
  });
}

export function pick(members: readonly Member[], index: number): Member {
  const member = members[index];
  if (member === undefined) throw new Error(`no member ${index}`);
  return member;
}
