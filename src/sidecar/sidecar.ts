import type { Logger } from 'pino';
import type { ElectionBackend } from '../backends/backend.js';
import type { Clock } from '../core/clock.js';
import { pause } from '../runtime/abortable.js';
import { systemClock } from '../runtime/system-clock.js';
import type { PodLabelWriter } from '../pod-labels/pod-label-options.js';
import { followHealth } from '../workload/eligibility.js';
import type { HealthGate } from '../workload/health-gate.js';
import type { LeadershipHooks } from '../workload/hooks.js';
import { LeaderFileWriter } from './leader-file.js';

export interface SidecarOptions {
  readonly backend: ElectionBackend;
  readonly logger: Logger;
  readonly leaderFile?: string;
  /** Keeps this pod's role label in step with leadership, when running in Kubernetes. */
  readonly podLabels?: PodLabelWriter | null;
  /** While the workload is unhealthy the member does not campaign, and a leader hands over. */
  readonly healthGate?: HealthGate | null;
  /** Commands or URLs told when this member starts or stops leading. */
  readonly hooks?: LeadershipHooks | null;
  /** Total time SIGTERM may take: hand over, then stop (leaving the member set comes on top). */
  readonly shutdownTimeoutMs: number;
  /** Measures the shutdown deadline; the system clock unless a test injects one. */
  readonly clock?: Clock;
  /** The election's name, for Events. */
  readonly electionName?: string;
  /**
   * Raft in Kubernetes: on SIGTERM, asks whether this pod is being scaled away (its StatefulSet
   * now wants fewer replicas); if so, the member leaves the member set before it stops.
   */
  readonly scaleDown?: {
    readonly isScaledAway: (
      signal: AbortSignal,
    ) => Promise<{ readonly isScaledAway: boolean; readonly detail: string }>;
    readonly leaveTimeoutMs: number;
  };
}

/**
 * Runs one member: the election backend and what follows leadership (the leader file; the pod
 * label writer joins here), all under one root AbortController.
 */
export class Sidecar {
  private readonly root = new AbortController();
  private shutdownStarted: Promise<void> | null = null;

  constructor(private readonly options: SidecarOptions) {}

  get signal(): AbortSignal {
    return this.root.signal;
  }

  /** Joins the election. Rejects (e.g. STATE_CORRUPT) when the member cannot start at all. */
  async start(): Promise<void> {
    const { backend, leaderFile, logger } = this.options;
    if (leaderFile !== undefined) {
      const writer = new LeaderFileWriter(leaderFile, logger);
      writer.update(backend.current());
      const unsubscribe = backend.onChange((state) => {
        writer.update(state);
      });
      this.root.signal.addEventListener('abort', unsubscribe, { once: true });
    }
    const gate = this.options.healthGate ?? null;
    if (gate !== null) {
      this.unfollowHealth = followHealth(gate, backend);
      this.gateDone = gate.run(this.root.signal).catch((error: unknown) => {
        logger.error(
          { event: 'health-gate.stopped', err: error },
          'the workload health gate stopped',
        );
      });
    }
    const hooks = this.options.hooks ?? null;
    if (hooks !== null) {
      const unsubscribe = backend.onChange((state) => {
        hooks.update(state);
      });
      this.root.signal.addEventListener('abort', unsubscribe, { once: true });
    }
    const podLabels = this.options.podLabels ?? null;
    if (podLabels !== null) {
      const unsubscribe = backend.onChange((state) => {
        podLabels.update(state);
      });
      this.root.signal.addEventListener('abort', unsubscribe, { once: true });
      this.labelsDone = podLabels.run(this.root.signal).catch((error: unknown) => {
        logger.error({ event: 'pod-labels.stopped', err: error }, 'the pod label writer stopped');
      });
    }
    if (podLabels !== null && backend.onMembershipEvent !== undefined) {
      const unsubscribe = backend.onMembershipEvent((event) => {
        if (event.changeDurationMs === null) return;
        const { version, voters } = event.configuration;
        podLabels.recordConfigurationChange(
          `the member set of election ${this.options.electionName ?? 'elector'} is now v${version}: ${voters.join(', ')} (change committed in ${Math.round(event.changeDurationMs)} ms)`,
        );
      });
      this.root.signal.addEventListener('abort', unsubscribe, { once: true });
    }
    await backend.start(this.root.signal);
    podLabels?.update(backend.current());
    hooks?.update(backend.current());
  }

  private labelsDone: Promise<void> = Promise.resolve();
  private gateDone: Promise<void> = Promise.resolve();
  private unfollowHealth: () => void = () => undefined;

  /**
   * Graceful stop: a leader hands over first (bounded by half the shutdown time, so the rest is
   * left for closing), then everything is aborted. Safe to call more than once.
   */
  shutdown(reason: string): Promise<void> {
    this.shutdownStarted ??= this.runShutdown(reason);
    return this.shutdownStarted;
  }

  /**
   * A pod scaled away leaves the Raft member set before it stops, so the members that stay keep
   * a majority of the set in force while the change commits (3 -> 1 included). Bounded by the
   * leave timeout; a pod that is only restarting skips this.
   */
  private async leaveIfScaledAway(): Promise<void> {
    const { backend, logger, scaleDown } = this.options;
    if (scaleDown === undefined || backend.leave === undefined || scaleDown.leaveTimeoutMs === 0) {
      return;
    }
    let verdict: { readonly isScaledAway: boolean; readonly detail: string };
    try {
      verdict = await scaleDown.isScaledAway(AbortSignal.timeout(2000));
    } catch (error) {
      logger.warn(
        { event: 'leave.check-failed', err: error },
        'could not tell whether this pod is being scaled away; stopping as for a restart',
      );
      return;
    }
    if (!verdict.isScaledAway) return;
    logger.info(
      { event: 'leave.started', detail: verdict.detail },
      `this pod is being scaled away (${verdict.detail}): leaving the member set before stopping`,
    );
    const hasLeft = await backend.leave(AbortSignal.timeout(scaleDown.leaveTimeoutMs));
    if (hasLeft) {
      logger.info({ event: 'leave.done' }, 'removed from the member set; stopping');
    } else {
      logger.warn(
        { event: 'leave.timed-out', timeoutMs: scaleDown.leaveTimeoutMs },
        'the removal did not commit within --leave-timeout; stopping anyway (the others then need a majority without this member)',
      );
    }
  }

  private async runShutdown(reason: string): Promise<void> {
    const { backend, logger, shutdownTimeoutMs } = this.options;
    const clock = this.options.clock ?? systemClock;
    const startedAt = clock.now();
    // A workload that recovers during shutdown must not make this member stand again.
    this.unfollowHealth();
    const wasLeader = backend.current().isSelf;
    // The label follows leadership: a leader about to hand over shows follower first, as far as the API allows.
    this.options.podLabels?.update({ ...backend.current(), isSelf: false });
    logger.info(
      { event: 'shutdown.started', reason, isLeader: wasLeader },
      `shutting down (${reason})`,
    );
    const leaveStartedAt = clock.now();
    await this.leaveIfScaledAway();
    const deadline = startedAt + shutdownTimeoutMs + (clock.now() - leaveStartedAt);
    if (backend.current().isSelf) {
      try {
        await backend.resign(AbortSignal.timeout(Math.max(50, shutdownTimeoutMs / 2)));
        logger.info({ event: 'shutdown.handed-over' }, 'leadership handed over');
      } catch (error) {
        logger.warn(
          { event: 'shutdown.handover-failed', err: error },
          'could not hand leadership over; stopping anyway',
        );
      }
    }
    // Let the stepped-down hook run before stopping.
    await this.options.hooks?.drain(AbortSignal.timeout(Math.max(50, shutdownTimeoutMs / 4)));
    this.root.abort(new Error(`shutdown: ${reason}`));
    await Promise.all([this.labelsDone, this.gateDone, this.untilBackendStopped(clock, deadline)]);
  }

  /** Waits for the backend to leave (lease released, session closed, ...), at most until `deadline`. */
  private async untilBackendStopped(clock: Clock, deadline: number): Promise<void> {
    const { backend, logger } = this.options;
    const cutShort = new AbortController();
    const outcome = await Promise.race([
      backend.stopped().then(() => 'stopped' as const),
      pause(clock, deadline - clock.now(), cutShort.signal).then(() => 'cut-short' as const),
    ]);
    cutShort.abort();
    if (outcome === 'cut-short') {
      logger.warn(
        { event: 'shutdown.backend-cut-short' },
        'the backend had not left when the shutdown deadline passed; stopping anyway',
      );
    }
  }
}
