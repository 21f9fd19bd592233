import type { Random } from '../core/random.js';

/**
 * How long a follower behind the successor waits, after hearing that the leader went, before it
 * re-reads the queue. The successor is woken at the same instant and must read before it can act:
 * letting it go first keeps N − 2 followers' reads (and, on etcd, their watch re-creations) from
 * competing with its takeover, and the jitter spreads those reads over the server. The view of
 * who leads is late by this much, against up to a whole re-read interval without the notice.
 */
export function leaderNoticeDelayMs(random: Random): number {
  return minimumDelayMs + spreadMs * random();
}

const minimumDelayMs = 20;
const spreadMs = 50;
