import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ElectionBackend } from '../backends/backend.js';
import { memberships } from '../core/raft/membership-view.js';

/** Seconds a change of the member set may take: a round trip on loopback up to a stuck roll. */
const changeBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The Raft member set's series: gauges read from the backend at scrape time, and the changes
 * this member committed as leader (counted from zero, so `increase()` sees the first one).
 */
export class MembershipMetrics {
  private readonly changes: Counter;
  private readonly changeDuration: Histogram;

  constructor(private readonly registry: Registry) {
    const registers = [registry];
    this.changes = new Counter({
      name: 'elector_raft_configuration_changes_total',
      help: 'Changes of the Raft member set this member committed as leader (final entries).',
      registers,
    });
    this.changeDuration = new Histogram({
      name: 'elector_raft_configuration_change_duration_seconds',
      help: 'From appending the joint entry of a member-set change to committing its final entry.',
      buckets: changeBuckets,
      registers,
    });
  }

  /** A configuration entry this leader committed; counted when it completes a change. */
  committed(changeDurationMs: number | null): void {
    if (changeDurationMs === null) return;
    this.changes.inc();
    this.changeDuration.observe(changeDurationMs / 1000);
  }

  track(backend: ElectionBackend): void {
    const status = backend.membership?.bind(backend);
    if (status === undefined) return;
    const registers = [this.registry];
    new Gauge({
      name: 'elector_raft_configuration_version',
      help: 'Version of the member set this member holds (each joint and each final entry adds one).',
      registers,
      collect() {
        this.set(status().configuration?.version ?? 0);
      },
    });
    new Gauge({
      name: 'elector_raft_configuration_voters',
      help: 'Voting members in the configuration this member holds (the incoming set during a change).',
      registers,
      collect() {
        this.set(status().configuration?.voters.length ?? 0);
      },
    });
    new Gauge({
      name: 'elector_raft_configuration_joint',
      help: '1 while the configuration this member holds is a joint one (a change under way).',
      registers,
      collect() {
        this.set(status().change === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'elector_raft_configuration_pending',
      help: '1 while the newest desired member list differs from the configuration this member holds (a change due, under way or held).',
      registers,
      collect() {
        this.set(status().isPending ? 1 : 0);
      },
    });
    new Gauge({
      name: 'elector_raft_membership',
      help: "This member's place in the member set: 1 for its state (voter, learner, removed, founding, waiting), 0 for the others.",
      labelNames: ['state'],
      registers,
      collect() {
        const current = status().state;
        for (const state of memberships) this.set({ state }, state === current ? 1 : 0);
      },
    });
  }
}
