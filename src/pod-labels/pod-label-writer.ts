// Keeps this pod's role label (and optionally a readiness-gate condition) in step with its
// leadership, cleans stale leader labels when it leads, and records Events on transitions.
import type { Logger } from 'pino';
import { ElectorError } from '../core/errors.js';
import type { Leadership } from '../core/leadership.js';
import {
  isConflict,
  toKubernetesError,
  type KubernetesApiError,
} from '../kubernetes/api-errors.js';
import { isAborted, Wakeup } from '../runtime/abortable.js';
import { Backoff } from '../runtime/backoff.js';
import { FailureLog } from '../kubernetes/failure-log.js';
import {
  parsePodLabelOptions,
  type PodLabelSettings,
  type PodLabelWriter,
  type PodLabelWriterOptions,
  type PodLabelWriterStatus,
} from './pod-label-options.js';
import {
  getPod,
  patchPodCondition,
  patchPodMetadata,
  type PodSnapshot,
} from '../kubernetes/pod-client.js';
import { readinessCondition, roleLabelChange, type Desired } from './pod-role-patch.js';
import { PodEventRecorder } from './pod-event-recorder.js';
import { cleanStaleLeaderLabels } from './stale-label-cleanup.js';

/**
 * Creates the writer; throws ElectorError CONFIG_INVALID for an invalid label key, annotation
 * key, condition type or election name. Call `run(signal)` to start writing.
 *
 * @example
 * const writer = createPodLabelWriter({ api, podName, namespace, electionName: 'orders',
 *   readLeadership: () => backend.current(), clock: systemClock, random: Math.random, observe, logger });
 * backend.onChange((state) => writer.update(state));
 * const written = writer.run(root.signal);
 */
export function createPodLabelWriter(options: PodLabelWriterOptions): PodLabelWriter {
  return new LabelWriter(options, parsePodLabelOptions(options));
}

class LabelWriter implements PodLabelWriter {
  private desired: Desired = { role: 'follower', fencingToken: 0n };
  /** Bumped on every change of `desired`: a pass that sees it move starts over at once. */
  private generation = 0;
  private pod: PodSnapshot | null = null;
  private cleanedForToken: bigint | null = null;
  private cleanedAtMs = 0;
  private staleLabelsCleaned = 0;
  private convergence: { readonly startedAtMs: number; readonly fencingToken: bigint } | null =
    null;
  private lastError: string | null = null;
  private isConverged = false;
  private readonly wakeup = new Wakeup();
  private readonly backoff: Backoff;
  private readonly failures: FailureLog;
  private readonly events: PodEventRecorder | null;
  private readonly logger: Logger;

  constructor(
    private readonly options: PodLabelWriterOptions,
    private readonly settings: PodLabelSettings,
  ) {
    this.logger = options.logger.child({ component: 'pod-label-writer', pod: options.podName });
    this.backoff = new Backoff({
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      random: options.random,
    });
    this.failures = new FailureLog(this.logger, options.clock);
    this.events =
      options.recordEvents === false
        ? null
        : new PodEventRecorder({
            api: options.api,
            namespace: options.namespace,
            podName: options.podName,
            component: 'elector',
            burst: settings.eventBurst,
            refillMs: settings.eventRefillMs,
            clock: options.clock,
            observe: options.observe,
            logger: this.logger,
          });
  }

  update(leadership: Leadership): void {
    const previous = this.desired;
    const next: Desired = leadership.isSelf
      ? { role: 'leader', fencingToken: leadership.fencingToken }
      : { role: 'follower', fencingToken: previous.fencingToken };
    if (next.role === previous.role && next.fencingToken === previous.fencingToken) return;
    this.desired = next;
    this.generation += 1;
    this.isConverged = false;
    const token = next.fencingToken.toString();
    if (next.role === 'leader') {
      this.convergence = { startedAtMs: this.options.clock.now(), fencingToken: next.fencingToken };
      this.events?.record(
        'BecameLeader',
        `${this.options.podName} became leader of election ${this.options.electionName} (fencing token ${token})`,
        this.pod?.uid ?? null,
      );
    } else if (previous.role === 'leader') {
      this.convergence = null;
      this.events?.record(
        'SteppedDown',
        `${this.options.podName} stepped down as leader of election ${this.options.electionName} (fencing token ${previous.fencingToken.toString()})`,
        this.pod?.uid ?? null,
      );
    }
    this.wakeup.wake();
  }

  recordConfigurationChange(message: string): void {
    this.events?.record('ConfigurationChanged', message, this.pod?.uid ?? null);
  }

  status(): PodLabelWriterStatus {
    return {
      desiredRole: this.desired.role,
      writtenRole: this.pod?.labels[this.settings.roleLabelKey] ?? null,
      isConverged: this.isConverged,
      lastError: this.lastError,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    let conflictsInARow = 0;
    while (!isAborted(signal)) {
      const generation = this.generation;
      try {
        await this.reconcile(signal);
        this.backoff.reset();
        conflictsInARow = 0;
        this.lastError = null;
        if (generation !== this.generation) continue;
        this.isConverged = true;
        await this.wakeup.wait(this.idleWaitMs(), signal);
      } catch (error) {
        if (isAborted(signal)) break;
        const mapped = toKubernetesError(error, 'sync pod labels');
        this.lastError = mapped.message;
        // The pod's resourceVersion may be stale after any failure: read it again first.
        this.pod = null;
        if (isConflict(mapped) && conflictsInARow < 5) {
          conflictsInARow += 1;
          continue;
        }
        conflictsInARow = 0;
        await this.wakeup.wait(this.backoff.nextDelayMs(), signal);
      }
    }
    await this.events?.drain();
  }

  /** A leader looks for stale labels again every cleanupIntervalMs; a follower waits for news. */
  private idleWaitMs(): number {
    if (this.desired.role !== 'leader' || this.settings.cleanupIntervalMs === 0) return Infinity;
    return Math.max(
      0,
      this.cleanedAtMs + this.settings.cleanupIntervalMs - this.options.clock.now(),
    );
  }

  private isPeriodicPassDue(): boolean {
    return (
      this.desired.role === 'leader' &&
      this.cleanedForToken === this.desired.fencingToken &&
      this.idleWaitMs() === 0
    );
  }

  /** Told we lead, but the lease has lapsed since: act as a follower until told again. */
  private stepDownLocally(): void {
    this.update({
      leader: null,
      fencingToken: this.desired.fencingToken,
      isSelf: false,
      leaseExpiresAt: null,
    });
  }

  /** Whether this member may write `leader` for `token` at this instant. */
  private isActing(token: bigint): boolean {
    if (this.desired.role !== 'leader' || this.desired.fencingToken !== token) return false;
    const now = this.options.readLeadership?.();
    return now === undefined || (now.isSelf && now.fencingToken === token);
  }

  /** One pass: own label, condition, stale labels; returns early when `desired` moves. */
  private async reconcile(signal: AbortSignal): Promise<void> {
    const desired = this.desired;
    const generation = this.generation;
    if (desired.role === 'leader' && !this.isActing(desired.fencingToken)) {
      this.stepDownLocally();
      return;
    }
    const isPeriodicPass = this.isPeriodicPassDue();
    // A periodic pass re-reads our own pod too: someone may have edited its labels.
    let pod =
      this.pod !== null && !isPeriodicPass
        ? this.pod
        : await this.tracked('role-label', 'read', () => this.readOwnPod(signal));
    const change = roleLabelChange(pod, desired, this.settings, this.options.electionName);
    if (change !== null) {
      if (desired.role === 'leader' && !this.isActing(desired.fencingToken)) {
        this.stepDownLocally();
        return;
      }
      pod = await this.tracked('role-label', 'write', () =>
        patchPodMetadata(
          this.options.api,
          this.options.namespace,
          this.options.podName,
          { resourceVersion: pod.resourceVersion, ...change },
          signal,
        ),
      );
      this.pod = pod;
      this.logger.info(
        {
          event: 'pod.label.written',
          role: desired.role,
          fencingToken: desired.fencingToken.toString(),
        },
        `labelled ${this.options.podName} ${this.settings.roleLabelKey}=${desired.role}`,
      );
    }
    if (generation !== this.generation) return;
    const conditionType = this.settings.conditionType;
    const conditionStatus = desired.role === 'leader' ? 'True' : 'False';
    if (conditionType !== null && pod.conditions[conditionType] !== conditionStatus) {
      if (desired.role === 'leader' && !this.isActing(desired.fencingToken)) {
        this.stepDownLocally();
        return;
      }
      const resourceVersion = pod.resourceVersion;
      pod = await this.tracked('condition', 'write', () =>
        patchPodCondition(
          this.options.api,
          this.options.namespace,
          this.options.podName,
          resourceVersion,
          readinessCondition(conditionType, desired, this.options.electionName),
          new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          signal,
        ),
      );
      this.pod = pod;
    }
    if (generation !== this.generation || desired.role !== 'leader') return;
    if (this.cleanedForToken !== desired.fencingToken || isPeriodicPass) {
      await this.cleanStaleLabels(desired.fencingToken, signal);
    }
    const convergence = this.convergence;
    if (convergence !== null && convergence.fencingToken === desired.fencingToken) {
      const durationMs = this.options.clock.now() - convergence.startedAtMs;
      this.convergence = null;
      this.options.observe({
        type: 'label-convergence',
        durationMs,
        staleLabelsCleaned: this.staleLabelsCleaned,
      });
      this.logger.info(
        {
          event: 'pod.labels.converged',
          durationMs,
          staleLabelsCleaned: this.staleLabelsCleaned,
          fencingToken: desired.fencingToken.toString(),
        },
        'leader label written and stale labels cleaned',
      );
    }
  }

  private async cleanStaleLabels(token: bigint, signal: AbortSignal): Promise<void> {
    const result = await cleanStaleLeaderLabels(
      {
        api: this.options.api,
        namespace: this.options.namespace,
        selfPodName: this.options.podName,
        electionLabelKey: this.settings.electionLabelKey,
        electionName: this.options.electionName,
        roleLabelKey: this.settings.roleLabelKey,
        fencingTokenAnnotation: this.settings.fencingTokenAnnotation,
        fencingToken: token,
        isStillActing: () => this.isActing(token),
        onWrite: (result, reason) => {
          this.options.observe({
            type: 'pod-write',
            target: 'stale-label',
            result,
            ...(reason === undefined ? {} : { reason }),
          });
        },
        logger: this.logger,
      },
      signal,
    ).catch((error: unknown) => {
      const mapped = toKubernetesError(error, 'clean stale labels');
      this.failures.report('stale-label', mapped);
      throw mapped;
    });
    this.failures.recovered('stale-label');
    if (this.cleanedForToken !== token) this.staleLabelsCleaned = 0;
    this.staleLabelsCleaned += result.cleaned;
    if (result.remaining > 0) {
      throw new ElectorError(
        'KUBERNETES_API_ERROR',
        `${result.remaining} stale leader label(s) kept changing under the cleanup; retrying`,
        { retryable: true },
      );
    }
    this.cleanedForToken = token;
    this.cleanedAtMs = this.options.clock.now();
  }

  private async readOwnPod(signal: AbortSignal): Promise<PodSnapshot> {
    const pod = await getPod(
      this.options.api,
      this.options.namespace,
      this.options.podName,
      signal,
    );
    this.pod = pod;
    return pod;
  }

  /** Runs one request, counting and logging its outcome under `target`. */
  private async tracked<T>(
    target: 'role-label' | 'condition',
    kind: 'read' | 'write',
    action: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await action();
      this.failures.recovered(target);
      if (kind === 'write') this.options.observe({ type: 'pod-write', target, result: 'written' });
      return result;
    } catch (error) {
      const mapped: KubernetesApiError = toKubernetesError(error, `write ${target}`);
      if (isConflict(mapped)) {
        this.options.observe({ type: 'pod-write', target, result: 'conflict' });
      } else {
        this.options.observe({
          type: 'pod-write',
          target,
          result: 'failed',
          reason: mapped.reason,
        });
        if (mapped.reason !== 'Aborted') this.failures.report(target, mapped);
      }
      throw mapped;
    }
  }
}
