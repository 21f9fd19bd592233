import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.js';
import type { ElectionObserver } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import type { Random } from '../../../core/random.js';
import type { RetryDelays } from '../../../runtime/backoff.js';
import { sealedHeaderBytes } from './frame-auth.js';
import type { PeerAddress } from './outbound-peer.js';
import { maxMemberIdLength, maxPeerMessageBytes } from './wire.js';

/** Reconnection backoff: the first redial within 50 ms, none more than 2 s after the last. */
export const defaultBackoff: RetryDelays = { baseDelayMs: 50, maxDelayMs: 2000 };
export interface PeerTransportOptions {
  /** This member's ID; the ID it proves in every handshake. */
  readonly selfId: string;
  readonly listenHost: string;
  /** 0 lets the OS pick a free port; `listenAddress()` tells which. */
  readonly listenPort: number;
  /**
   * Members to dial from the start. Others are dialled when first messaged (see `retainPeers`):
   * who belongs to the cluster is a Raft decision, so any member that proves the cluster secret
   * may connect, whatever its ID.
   */
  readonly peers: readonly string[];
  /** Peers dialled at once; a message to one more is dropped as unknown-peer. Default 32. */
  readonly maxPeers?: number;
  /**
   * Where a peer listens. Called again before every dial, so a static list and DNS (a pod's
   * new IP behind a headless Service) both work. A rejection counts as a failed dial.
   */
  readonly resolvePeer: (id: string) => Promise<PeerAddress>;
  /** The cluster secret every member shares; a process without it can neither vote nor lead. */
  readonly secret: Uint8Array;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
  /** Jitter for reconnection backoff. */
  readonly random: Random;
  /** Monotonic time for `lastReceivedAt` and for rate-limiting warnings. */
  readonly clock: Clock;
  /** Largest frame body accepted or sent; the message limit is this minus the 40-byte seal header. */
  readonly maxFrameBytes?: number;
  /** Connect plus handshake must finish within this, or the connection is closed. */
  readonly handshakeTimeoutMs?: number;
  /** How often an accepted connection sends an empty keepalive frame. Same on every member. */
  readonly keepaliveIntervalMs?: number;
  /** A dialled connection that hears nothing for this long is closed and redialled. */
  readonly idleTimeoutMs?: number;
  /** Reconnection backoff: the first delay, doubling up to the cap (jittered). */
  readonly backoff?: RetryDelays;
  /** Messages held per peer while its connection is being set up. */
  readonly maxQueuedMessages?: number;
  /** Unsent bytes a connection may hold before further messages are dropped as queue-full. */
  readonly maxBufferedBytes?: number;
  /** Inbound connections allowed to be mid-handshake at once; more are closed on arrival. */
  readonly maxPendingHandshakes?: number;
  /** The same limit per remote address. */
  readonly maxPendingHandshakesPerAddress?: number;
  /** One warning per peer and kind of drop per this interval. */
  readonly dropLogIntervalMs?: number;
}

export type ResolvedTransportOptions = Required<PeerTransportOptions>;

/** A secret shorter than this is too easy to guess offline from one captured handshake. */
const minSecretBytes = 16;
const defaultMaxFrameBytes = sealedHeaderBytes + maxPeerMessageBytes;
const minFrameBytes = 512;
const maxFrameBytesLimit = 1024 * 1024;

/**
 * Fills in defaults and checks every option, throwing CONFIG_INVALID that lists one line per
 * problem, each naming the option, the value received and what is accepted.
 */
export function resolveTransportOptions(options: PeerTransportOptions): ResolvedTransportOptions {
  const resolved: ResolvedTransportOptions = {
    maxFrameBytes: defaultMaxFrameBytes,
    handshakeTimeoutMs: 3000,
    keepaliveIntervalMs: 500,
    idleTimeoutMs: 2000,
    backoff: defaultBackoff,
    maxQueuedMessages: 16,
    maxBufferedBytes: 64 * 1024,
    maxPendingHandshakes: 64,
    maxPendingHandshakesPerAddress: 8,
    dropLogIntervalMs: 60_000,
    maxPeers: 32,
    ...options,
  };
  const problems = [...memberProblems(resolved), ...numberProblems(resolved)];
  if (resolved.secret.byteLength < minSecretBytes) {
    problems.push(
      `secret: expected at least ${minSecretBytes} bytes; got ${resolved.secret.byteLength}`,
    );
  }
  if (problems.length > 0) {
    throw new ElectorError('CONFIG_INVALID', `peer transport:\n${problems.join('\n')}`);
  }
  return resolved;
}

function memberProblems({ selfId, peers }: ResolvedTransportOptions): string[] {
  const problems: string[] = [];
  const idProblem = (field: string, id: string): void => {
    const bytes = Buffer.byteLength(id, 'utf8');
    if (bytes === 0 || bytes > maxMemberIdLength || id.length > maxMemberIdLength) {
      problems.push(
        `${field}: expected 1 to ${maxMemberIdLength} bytes of UTF-8; got ${JSON.stringify(id)}`,
      );
    }
  };
  idProblem('selfId', selfId);
  const seen = new Set<string>();
  for (const peer of peers) {
    idProblem('peers', peer);
    if (peer === selfId) problems.push(`peers: must not include selfId "${selfId}"`);
    if (seen.has(peer)) problems.push(`peers: duplicate member ID "${peer}"`);
    seen.add(peer);
  }
  return problems;
}

function numberProblems(options: ResolvedTransportOptions): string[] {
  const problems: string[] = [];
  const check = (field: string, value: number, low: number, high: number): void => {
    if (!Number.isInteger(value) || value < low || value > high) {
      problems.push(`${field}: expected an integer in ${low}..${high}; got ${String(value)}`);
    }
  };
  check('listenPort', options.listenPort, 0, 65_535);
  check('maxFrameBytes', options.maxFrameBytes, minFrameBytes, maxFrameBytesLimit);
  check('handshakeTimeoutMs', options.handshakeTimeoutMs, 1, 600_000);
  check('keepaliveIntervalMs', options.keepaliveIntervalMs, 1, 60_000);
  // Room for at least two keepalives per idle period, so one late frame does not cost a reconnect.
  check('idleTimeoutMs', options.idleTimeoutMs, 2 * options.keepaliveIntervalMs, 600_000);
  check('backoff.baseDelayMs', options.backoff.baseDelayMs, 1, 600_000);
  check('backoff.maxDelayMs', options.backoff.maxDelayMs, options.backoff.baseDelayMs, 600_000);
  check('maxQueuedMessages', options.maxQueuedMessages, 0, 10_000);
  check('maxBufferedBytes', options.maxBufferedBytes, 0, 64 * 1024 * 1024);
  check('maxPendingHandshakes', options.maxPendingHandshakes, 1, 10_000);
  check('maxPendingHandshakesPerAddress', options.maxPendingHandshakesPerAddress, 1, 10_000);
  check('dropLogIntervalMs', options.dropLogIntervalMs, 0, 3_600_000);
  check('maxPeers', options.maxPeers, 1, 1024);
  return problems;
}
