import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ElectionBackend, ElectionState } from '../backends/backend.js';
import type { Clock } from '../core/clock.js';
import type { ElectionEvent, ElectionObserver } from '../core/election-events.js';
import type { PodSyncEvent } from '../pod-labels/pod-sync-events.js';
import type { WorkloadEvent } from '../workload/workload-events.js';
import { MembershipMetrics } from './membership-metrics.js';

export interface MetricsOptions {
  readonly id: string;
  readonly backend: string;
  readonly election: string;
  readonly version: string;
  readonly clock: Clock;
}

const failoverBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60,
];

/**
 * The Prometheus series of one sidecar. Backends report through `observe` (they never import
 * prom-client); leadership gauges are read from the backend at scrape time, so they are never stale.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly leaderChanges: Counter;
  private readonly elections: Counter<'result'>;
  private readonly electionDuration: Histogram;
  private readonly failoverDuration: Histogram;
  private readonly leaderlessSeconds: Counter;
  private readonly peerMessages: Counter<'type' | 'direction' | 'result'>;
  private readonly peerDropped: Counter<'reason'>;
  private readonly quorumLost: Counter;
  private readonly transfers: Counter<'result'>;
  private readonly backendErrors: Counter<'operation' | 'code'>;
  private readonly watchEvents: Counter;
  private readonly leaderWatchEvents: Counter;
  readonly labelConvergence: Histogram;
  private readonly podWrites: Counter<'target' | 'result' | 'reason'>;
  private readonly podEvents: Counter<'reason' | 'result'>;
  private readonly healthProbes: Counter<'kind' | 'result' | 'reason'>;
  private readonly healthProbeDuration: Histogram;
  private readonly workloadHealthy: Gauge;
  private readonly healthChanges: Counter<'to'>;
  private readonly hookRuns: Counter<'hook' | 'kind' | 'result'>;
  private readonly hookDuration: Histogram<'hook'>;
  private readonly membership: MembershipMetrics | null;
  private electionStartedAt: number | null = null;
  private leaderlessSince: number | null = null;
  private lastLeader: string | null = null;

  constructor(private readonly options: MetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ election: options.election, backend: options.backend });
    // A coarse event-loop monitor: the default 10 ms resolution wakes an idle sidecar 100 times a second.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    // These default gauges break Prometheus naming rules (a _total suffix on a gauge), which
    // `promtool check metrics` rejects; the process_* series cover the same ground.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    new Gauge({
      name: 'elector_info',
      help: 'Build and identity of this sidecar (always 1).',
      labelNames: ['id', 'version'],
      registers,
    }).set({ id: options.id, version: options.version }, 1);
    this.leaderChanges = new Counter({
      name: 'elector_leader_changes_total',
      help: 'Times this member saw a different leader.',
      registers,
    });
    this.elections = new Counter({
      name: 'elector_elections_total',
      help: 'Elections this member ran, by result.',
      labelNames: ['result'],
      registers,
    });
    this.electionDuration = new Histogram({
      name: 'elector_election_duration_seconds',
      help: 'From starting an election to its result.',
      buckets: failoverBuckets,
      registers,
    });
    this.failoverDuration = new Histogram({
      name: 'elector_failover_duration_seconds',
      help: 'From losing the known leader to knowing the next one, as seen by this member.',
      buckets: failoverBuckets,
      registers,
    });
    this.leaderlessSeconds = new Counter({
      name: 'elector_leaderless_seconds_total',
      help: 'Time this member knew no leader.',
      registers,
    });
    this.peerMessages = new Counter({
      name: 'elector_peer_messages_total',
      help: 'Raft peer messages by type, direction and result.',
      labelNames: ['type', 'direction', 'result'],
      registers,
    });
    this.peerDropped = new Counter({
      name: 'elector_peer_messages_dropped_total',
      help: 'Peer input dropped: malformed, oversize, unauthenticated, ...',
      labelNames: ['reason'],
      registers,
    });
    this.quorumLost = new Counter({
      name: 'elector_quorum_lost_total',
      help: 'Step-downs because a majority stopped answering.',
      registers,
    });
    this.transfers = new Counter({
      name: 'elector_transfers_total',
      help: 'Leadership handovers, by result.',
      labelNames: ['result'],
      registers,
    });
    this.backendErrors = new Counter({
      name: 'elector_backend_errors_total',
      help: 'Backend operations that failed, by operation and error code.',
      labelNames: ['operation', 'code'],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'elector_watch_events_total',
      help: 'Watch notifications received from the backend (etcd, ZooKeeper, Kubernetes) that wake this member to re-check its place in the queue or the Lease.',
      registers,
    });
    this.leaderWatchEvents = new Counter({
      name: 'elector_leader_watch_events_total',
      help: "Watch notifications that only tell this follower the leader's key is gone, so it learns the next leader at once (etcd and ZooKeeper, followers behind the successor).",
      registers,
    });
    this.labelConvergence = new Histogram({
      name: 'elector_label_convergence_seconds',
      help: 'From this member becoming leader to the pod labels being right in the API.',
      buckets: failoverBuckets,
      registers,
    });
    this.podWrites = new Counter({
      name: 'elector_pod_writes_total',
      help: 'Requests about pods (role label, readiness condition, stale labels), by result.',
      labelNames: ['target', 'result', 'reason'],
      registers,
    });
    this.podEvents = new Counter({
      name: 'elector_pod_events_total',
      help: 'Kubernetes Events on this pod, by reason and result.',
      labelNames: ['reason', 'result'],
      registers,
    });
    this.healthProbes = new Counter({
      name: 'elector_health_probes_total',
      help: 'Workload health probes, by kind and result.',
      labelNames: ['kind', 'result', 'reason'],
      registers,
    });
    this.healthProbeDuration = new Histogram({
      name: 'elector_health_probe_duration_seconds',
      help: 'Duration of workload health probes.',
      buckets: failoverBuckets,
      registers,
    });
    this.workloadHealthy = new Gauge({
      name: 'elector_workload_healthy',
      help: '1 while the workload health gate says healthy (1 when there is no health check).',
      registers,
    });
    this.workloadHealthy.set(1);
    this.healthChanges = new Counter({
      name: 'elector_workload_health_changes_total',
      help: 'Verdict changes of the workload health gate.',
      labelNames: ['to'],
      registers,
    });
    this.hookRuns = new Counter({
      name: 'elector_hook_runs_total',
      help: 'Leadership hooks run, by hook, kind and result (success, failure, timeout, cancelled, dropped).',
      labelNames: ['hook', 'kind', 'result'],
      registers,
    });
    this.hookDuration = new Histogram({
      name: 'elector_hook_duration_seconds',
      help: 'Duration of leadership hooks.',
      labelNames: ['hook'],
      buckets: failoverBuckets,
      registers,
    });
    this.membership = options.backend === 'raft' ? new MembershipMetrics(this.registry) : null;
    for (const result of ['won', 'lost', 'timed-out']) this.elections.inc({ result }, 0);
    for (const reason of ['malformed', 'oversize', 'unauthenticated'])
      this.peerDropped.inc({ reason }, 0);
  }

  /** Adds the gauges read from the backend on every scrape. */
  trackBackend(backend: ElectionBackend): void {
    const registers = [this.registry];
    const now = (): ElectionState => backend.current();
    new Gauge({
      name: 'elector_is_leader',
      help: '1 while this member is the acting leader, else 0.',
      registers,
      collect() {
        this.set(now().isSelf ? 1 : 0);
      },
    });
    new Gauge({
      name: 'elector_term',
      help: "Current term (Raft) or the backend's equivalent.",
      registers,
      collect() {
        this.set(Number(now().term));
      },
    });
    new Gauge({
      name: 'elector_fencing_token',
      help: 'Fencing token of the leader this member knows.',
      registers,
      collect() {
        this.set(Number(now().fencingToken));
      },
    });
    new Gauge({
      name: 'elector_leader_known',
      help: '1 while this member knows a leader.',
      registers,
      collect() {
        this.set(now().leader === null ? 0 : 1);
      },
    });
    const clock = this.options.clock;
    new Gauge({
      name: 'elector_lease_remaining_seconds',
      help: "Time left on this member's leader lease; 0 when it does not lead.",
      registers,
      collect() {
        const expiresAt = now().leaseExpiresAt;
        this.set(expiresAt === null ? 0 : Math.max(0, (expiresAt - clock.now()) / 1000));
      },
    });
    this.membership?.track(backend);
    this.onLeadership(backend.current());
    backend.onChange((state) => {
      this.onLeadership(state);
    });
  }

  private onLeadership(state: ElectionState): void {
    const now = this.options.clock.now();
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

  readonly observeWorkload = (event: WorkloadEvent): void => {
    switch (event.type) {
      case 'health-probe':
        this.healthProbes.inc({
          kind: event.kind,
          result: event.result,
          reason: event.reason ?? '',
        });
        this.healthProbeDuration.observe(event.durationMs / 1000);
        break;
      case 'health-changed':
        this.workloadHealthy.set(event.isHealthy ? 1 : 0);
        this.healthChanges.inc({ to: event.isHealthy ? 'healthy' : 'unhealthy' });
        break;
      case 'hook-run':
        this.hookRuns.inc({ hook: event.hook, kind: event.kind, result: event.result });
        this.hookDuration.observe({ hook: event.hook }, event.durationMs / 1000);
        break;
    }
  };

  /** Starts the health gauge at 0 when a health check is configured (a workload starts unhealthy). */
  expectHealthCheck(): void {
    this.workloadHealthy.set(0);
  }

  readonly observePods = (event: PodSyncEvent): void => {
    switch (event.type) {
      case 'pod-write':
        this.podWrites.inc({
          target: event.target,
          result: event.result,
          reason: event.reason ?? '',
        });
        break;
      case 'label-convergence':
        this.labelConvergence.observe(event.durationMs / 1000);
        break;
      case 'pod-event':
        this.podEvents.inc({ reason: event.reason, result: event.result });
        break;
    }
  };

  readonly observe: ElectionObserver = (event: ElectionEvent) => {
    switch (event.type) {
      case 'election-started':
        this.electionStartedAt = this.options.clock.now();
        break;
      case 'election-finished':
        this.elections.inc({ result: event.result });
        if (this.electionStartedAt !== null) {
          this.electionDuration.observe((this.options.clock.now() - this.electionStartedAt) / 1000);
          this.electionStartedAt = null;
        }
        break;
      case 'peer-message':
        this.peerMessages.inc({
          type: event.messageType,
          direction: event.direction,
          result: event.result,
        });
        if (event.result === 'dropped') this.peerDropped.inc({ reason: event.reason ?? 'unknown' });
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
      case 'configuration-committed':
        this.membership?.committed(event.changeDurationMs);
        break;
    }
  };
}
