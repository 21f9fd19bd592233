import type { Counter, Histogram, Registry } from 'prom-client';
import type { ElectionBackend } from '../../backends/backend.js';
import { memberships } from '../../core/raft/membership-view.js';
import {
  counterFrom,
  gaugeFrom,
  histogramFrom,
  type MetricDeclaration,
} from './metric-declaration.js';

/** Seconds a change of the member set may take: a round trip on loopback up to a stuck roll. */
const changeBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

export const membershipMetricDeclarations = {
  changes: {
    name: 'elector_raft_configuration_changes_total',
    help: 'Changes of the Raft member set this member committed as leader (final entries).',
    type: 'counter',
    labelNames: [],
  },
  changeDuration: {
    name: 'elector_raft_configuration_change_duration_seconds',
    help: 'From appending the joint entry of a member-set change to committing its final entry.',
    type: 'histogram',
    labelNames: [],
    buckets: changeBuckets,
  },
} as const satisfies Record<string, MetricDeclaration>;

/** Gauges read from the Raft backend's membership status on every scrape. */
export const membershipGaugeDeclarations = {
  version: {
    name: 'elector_raft_configuration_version',
    help: 'Version of the member set this member holds (each joint and each final entry adds one).',
    type: 'gauge',
    labelNames: [],
  },
  voters: {
    name: 'elector_raft_configuration_voters',
    help: 'Voting members in the configuration this member holds (the incoming set during a change).',
    type: 'gauge',
    labelNames: [],
  },
  joint: {
    name: 'elector_raft_configuration_joint',
    help: '1 while the configuration this member holds is a joint one (a change under way).',
    type: 'gauge',
    labelNames: [],
  },
  pending: {
    name: 'elector_raft_configuration_pending',
    help: '1 while the newest desired member list differs from the configuration this member holds (a change due, under way or held).',
    type: 'gauge',
    labelNames: [],
  },
  membership: {
    name: 'elector_raft_membership',
    help: "This member's place in the member set: 1 for its state (voter, learner, removed, founding, waiting), 0 for the others.",
    type: 'gauge',
    labelNames: ['state'],
  },
} as const satisfies Record<string, MetricDeclaration>;

/**
 * The Raft member set's series: gauges read from the backend at scrape time, and the changes
 * this member committed as leader (counted from zero, so `increase()` sees the first one).
 */
export class MembershipMetrics {
  private readonly changes: Counter;
  private readonly changeDuration: Histogram;

  constructor(private readonly registry: Registry) {
    this.changes = counterFrom(membershipMetricDeclarations.changes, registry, 'raft');
    this.changeDuration = histogramFrom(membershipMetricDeclarations.changeDuration, registry);
  }

  /** A configuration entry this leader committed; counted when it completes a change. */
  committed(changeDurationMs: number | null): void {
    if (changeDurationMs === null) return;
    this.changes.inc();
    this.changeDuration.observe(changeDurationMs / 1000);
  }

  /** Registers the scrape-time gauges; a backend without a member set gets none. */
  track(backend: ElectionBackend): void {
    const status = backend.membership?.bind(backend);
    if (status === undefined) return;
    const declared = membershipGaugeDeclarations;
    gaugeFrom(declared.version, this.registry, function () {
      this.set(status().configuration?.version ?? 0);
    });
    gaugeFrom(declared.voters, this.registry, function () {
      this.set(status().configuration?.voters.length ?? 0);
    });
    gaugeFrom(declared.joint, this.registry, function () {
      this.set(status().change === null ? 0 : 1);
    });
    gaugeFrom(declared.pending, this.registry, function () {
      this.set(status().isPending ? 1 : 0);
    });
    gaugeFrom(declared.membership, this.registry, function () {
      const current = status().state;
      for (const state of memberships) this.set({ state }, state === current ? 1 : 0);
    });
  }
}
