import type { Counter, Histogram, Registry } from 'prom-client';
import type { ElectionBackend, ElectionState } from '../../backends/backend.js';
import type { Clock } from '../../core/clock.js';
import { assertNever } from '../../core/errors.js';
import {
  peerRefusalReasons,
  type ElectionEvent,
  type PeerDropReason,
} from '../../core/election-events.js';
import { peerMessageTypes } from '../../core/raft/messages.js';
import { AcceptedMessageTally } from './accepted-message-tally.js';
import { knownBackendErrors } from './known-backend-errors.js';
import {
  counterFrom,
  failoverBuckets,
  gaugeFrom,
  histogramFrom,
  labelProduct,
  type MetricDeclaration,
} from './metric-declaration.js';

/** Every reason a peer message is dropped for; the first three are hostile or mixed input. */
const peerDropReasons: readonly PeerDropReason[] = [
  'malformed',
  'oversize',
  'unauthenticated',
  'unknown-peer',
  'not-for-us',
  'unreachable',
  'queue-full',
];

export const electionMetricDeclarations = {
  leaderChanges: {
    name: 'elector_leader_changes_total',
    help: 'Times this member saw a different leader.',
    type: 'counter',
    labelNames: [],
  },
  elections: {
    name: 'elector_elections_total',
    help: 'Elections this member ran, by result.',
    type: 'counter',
    labelNames: ['result'],
    zeroed: [{ result: 'won' }, { result: 'lost' }, { result: 'timed-out' }],
  },
  electionDuration: {
    name: 'elector_election_duration_seconds',
    help: 'From starting an election to its result.',
    type: 'histogram',
    labelNames: [],
    buckets: failoverBuckets,
  },
  failoverDuration: {
    name: 'elector_failover_duration_seconds',
    help: 'From losing the known leader to knowing the next one, as seen by this member.',
    type: 'histogram',
    labelNames: [],
    buckets: failoverBuckets,
  },
  leaderlessSeconds: {
    name: 'elector_leaderless_seconds_total',
    help: 'Time this member knew no leader.',
    type: 'counter',
    labelNames: [],
  },
  peerMessages: {
    name: 'elector_peer_messages_total',
    help: 'Raft peer messages by type, direction and result.',
    type: 'counter',
    labelNames: ['type', 'direction', 'result'],
    // Only the Raft mesh has peers. `handshake` and `unknown` name input that never parsed.
    zeroed: {
      raft: labelProduct({
        type: [...peerMessageTypes, 'handshake', 'unknown'],
        direction: ['in', 'out'],
        result: ['accepted', 'dropped'],
      }),
    },
  },
  peerDropped: {
    name: 'elector_peer_messages_dropped_total',
    help: 'Peer input dropped: malformed, oversize, unauthenticated, ...',
    type: 'counter',
    labelNames: ['reason'],
    zeroed: peerDropReasons.map((reason) => ({ reason })),
  },
  peerRefused: {
    name: 'elector_peer_connections_refused_total',
    help: 'Connections the peer port closed on arrival: pre-authentication slots full (in total or for the address), or stopping.',
    type: 'counter',
    labelNames: ['reason'],
    // Only the Raft mesh has a peer port.
    zeroed: { raft: peerRefusalReasons.map((reason) => ({ reason })) },
  },
  quorumLost: {
    name: 'elector_quorum_lost_total',
    help: 'Step-downs because a majority stopped answering.',
    type: 'counter',
    labelNames: [],
  },
  transfers: {
    name: 'elector_transfers_total',
    help: 'Leadership handovers, by result.',
    type: 'counter',
    labelNames: ['result'],
    // Only Raft hands over by transfer; the others count none, and their dashboards read 0.
    zeroed: [{ result: 'started' }, { result: 'refused' }],
  },
  backendErrors: {
    name: 'elector_backend_errors_total',
    help: 'Backend operations that failed, by operation and error code.',
    type: 'counter',
    labelNames: ['operation', 'code'],
    zeroed: knownBackendErrors,
  },
  watchEvents: {
    name: 'elector_watch_events_total',
    help: 'Watch notifications received from the backend (etcd, ZooKeeper, Kubernetes) that wake this member to re-check its place in the queue or the Lease.',
    type: 'counter',
    labelNames: [],
  },
  leaderWatchEvents: {
    name: 'elector_leader_watch_events_total',
    help: "Watch notifications that only tell this follower the leader's key is gone, so it learns the next leader at once (etcd and ZooKeeper, followers behind the successor).",
    type: 'counter',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDeclaration>;

/** Gauges read from the backend on every scrape, registered once a backend is tracked. */
export const leadershipGaugeDeclarations = {
  isLeader: {
    name: 'elector_is_leader',
    help: '1 while this member is the acting leader, else 0.',
    type: 'gauge',
    labelNames: [],
  },
  term: {
    name: 'elector_term',
    help: "Current term (Raft) or the backend's equivalent.",
    type: 'gauge',
    labelNames: [],
  },
  fencingToken: {
    name: 'elector_fencing_token',
    help: 'Fencing token of the leader this member knows.',
    type: 'gauge',
    labelNames: [],
  },
  leaderKnown: {
    name: 'elector_leader_known',
    help: '1 while this member knows a leader.',
    type: 'gauge',
    labelNames: [],
  },
  leaseRemaining: {
    name: 'elector_lease_remaining_seconds',
    help: "Time left on this member's leader lease; 0 when it does not lead.",
    type: 'gauge',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDeclaration>;

/**
 * The election events these series count; configuration commits belong to MembershipMetrics,
 * failed saves to StorageMetrics.
 */
export type CountedElectionEvent = Exclude<
  ElectionEvent,
  { type: 'configuration-committed' } | { type: 'state-save-failed' }
>;

/**
 * Leadership, elections, failover, peer messages, handovers, backend errors and watch
 * notifications. Leadership gauges are read from the backend at scrape time; failover and
 * leaderless time are measured from the backend's change notifications.
 */
export class ElectionMetrics {
  private readonly leaderChanges: Counter;
  private readonly elections: Counter<'result'>;
  private readonly electionDuration: Histogram;
  private readonly failoverDuration: Histogram;
  private readonly leaderlessSeconds: Counter;
  private readonly peerMessages: Counter<'type' | 'direction' | 'result'>;
  /** Accepted messages, added to `peerMessages` on each scrape. */
  private readonly acceptedMessages = new AcceptedMessageTally();
  private readonly peerDropped: Counter<'reason'>;
  private readonly peerRefused: Counter<'reason'>;
  private readonly quorumLost: Counter;
  private readonly transfers: Counter<'result'>;
  private readonly backendErrors: Counter<'operation' | 'code'>;
  private readonly watchEvents: Counter;
  private readonly leaderWatchEvents: Counter;
  private electionStartedAt: number | null = null;
  private leaderlessSince: number | null = null;
  private lastLeader: string | null = null;

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    backend: string,
  ) {
    const declared = electionMetricDeclarations;
    this.leaderChanges = counterFrom(declared.leaderChanges, registry, backend);
    this.elections = counterFrom(declared.elections, registry, backend);
    this.electionDuration = histogramFrom(declared.electionDuration, registry);
    this.failoverDuration = histogramFrom(declared.failoverDuration, registry);
    this.leaderlessSeconds = counterFrom(declared.leaderlessSeconds, registry, backend);
    const accepted = this.acceptedMessages;
    this.peerMessages = counterFrom(declared.peerMessages, registry, backend, function () {
      accepted.drainInto(this);
    });
    this.peerDropped = counterFrom(declared.peerDropped, registry, backend);
    this.peerRefused = counterFrom(declared.peerRefused, registry, backend);
    this.quorumLost = counterFrom(declared.quorumLost, registry, backend);
    this.transfers = counterFrom(declared.transfers, registry, backend);
    this.backendErrors = counterFrom(declared.backendErrors, registry, backend);
    this.watchEvents = counterFrom(declared.watchEvents, registry, backend);
    this.leaderWatchEvents = counterFrom(declared.leaderWatchEvents, registry, backend);
  }

  /** Registers the leadership gauges and follows the backend's changes for failover timing. */
  track(backend: ElectionBackend): void {
    const now = (): ElectionState => backend.current();
    const clock = this.clock;
    const declared = leadershipGaugeDeclarations;
    gaugeFrom(declared.isLeader, this.registry, function () {
      this.set(now().isSelf ? 1 : 0);
    });
    gaugeFrom(declared.term, this.registry, function () {
      this.set(Number(now().term));
    });
    gaugeFrom(declared.fencingToken, this.registry, function () {
      this.set(Number(now().fencingToken));
    });
    gaugeFrom(declared.leaderKnown, this.registry, function () {
      this.set(now().leader === null ? 0 : 1);
    });
    gaugeFrom(declared.leaseRemaining, this.registry, function () {
      const expiresAt = now().leaseExpiresAt;
      this.set(expiresAt === null ? 0 : Math.max(0, (expiresAt - clock.now()) / 1000));
    });
    this.onLeadership(backend.current());
    backend.onChange((state) => {
      this.onLeadership(state);
    });
  }

  observe(event: CountedElectionEvent): void {
    switch (event.type) {
      case 'election-started':
        this.electionStartedAt = this.clock.now();
        break;
      case 'election-finished':
        this.elections.inc({ result: event.result });
        if (this.electionStartedAt !== null) {
          this.electionDuration.observe((this.clock.now() - this.electionStartedAt) / 1000);
          this.electionStartedAt = null;
        }
        break;
      case 'peer-message':
        if (event.result === 'accepted') {
          this.acceptedMessages.count(event.direction, event.messageType);
          break;
        }
        this.peerMessages.inc({
          type: event.messageType,
          direction: event.direction,
          result: event.result,
        });
        this.peerDropped.inc({ reason: event.reason ?? 'unknown' });
        break;
      case 'peer-connection-refused':
        this.peerRefused.inc({ reason: event.reason });
        break;
      case 'quorum-lost':
        this.quorumLost.inc();
        break;
      case 'transfer':
        this.transfers.inc({ result: event.result });
        break;
      case 'backend-error':
        this.backendErrors.inc({ operation: event.operation, code: event.code });
        break;
      case 'watch-event':
        this.watchEvents.inc();
        break;
      case 'leader-watch-event':
        this.leaderWatchEvents.inc();
        break;
      default:
        assertNever(event);
    }
  }

  private onLeadership(state: ElectionState): void {
    const now = this.clock.now();
    if (state.leader === null) {
      this.leaderlessSince ??= now;
      return;
    }
    if (this.leaderlessSince !== null) {
      const seconds = (now - this.leaderlessSince) / 1000;
      if (this.lastLeader !== null) this.failoverDuration.observe(seconds);
      this.leaderlessSeconds.inc(seconds);
      this.leaderlessSince = null;
    }
    if (state.leader !== this.lastLeader) {
      if (this.lastLeader !== null) this.leaderChanges.inc();
      this.lastLeader = state.leader;
    }
  }
}
