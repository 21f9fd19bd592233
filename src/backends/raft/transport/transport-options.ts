import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.js';
import type { ElectionObserver } from '../../../core/election-events.js';
import type { Random } from '../../../core/random.js';
import type { RetryDelays } from '../../../runtime/backoff.js';
import { sealedHeaderBytes } from './frame-auth.js';
import type { PeerAddress } from './outbound-peer.js';
import { maxPeerMessageBytes } from './wire.js';

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

const defaults = {
  maxFrameBytes: sealedHeaderBytes + maxPeerMessageBytes,
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
} satisfies Partial<ResolvedTransportOptions>;

/**
 * Fills in the defaults. The settings that come from `elector run` were checked once, by the
 * option table: the member IDs and the member set (validateRaftConfig, via config/options/raft.ts),
 * the port, and the cluster secret's length (at least 16 characters, so at least 16 bytes).
 */
export function resolveTransportOptions(options: PeerTransportOptions): ResolvedTransportOptions {
  return { ...defaults, ...options };
}
