/**
 * Facts a backend reports for metrics and logs. Backends never import prom-client: they call an
 * `observe(event)` function handed to them, and http/metrics.ts turns events into series.
 */
export type ElectionEvent =
  | { readonly type: 'election-started' }
  | { readonly type: 'election-finished'; readonly result: 'won' | 'lost' | 'timed-out' }
  | {
      readonly type: 'peer-message';
      readonly messageType: string;
      readonly direction: 'in' | 'out';
      readonly result: 'accepted' | 'dropped';
      readonly reason?: PeerDropReason;
    }
  | { readonly type: 'quorum-lost' }
  | { readonly type: 'transfer'; readonly result: 'started' | 'refused' }
  | { readonly type: 'backend-error'; readonly operation: string; readonly code: string }
  | { readonly type: 'watch-event' };

export type PeerDropReason =
  | 'malformed'
  | 'oversize'
  | 'unauthenticated'
  | 'unknown-peer'
  | 'not-for-us'
  | 'unreachable'
  | 'queue-full';

export type ElectionObserver = (event: ElectionEvent) => void;

export const ignoreElectionEvents: ElectionObserver = () => undefined;
