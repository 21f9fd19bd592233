import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { toKubernetesError } from '../kubernetes/api-errors.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import { createPodEvent } from '../kubernetes/pod-client.js';
import type { PodSyncObserver } from './pod-sync-events.js';

export type PodEventReason = 'BecameLeader' | 'SteppedDown' | 'ConfigurationChanged';

export interface PodEventRecorderOptions {
  readonly api: KubernetesApi;
  readonly namespace: string;
  readonly podName: string;
  /** Reported as source.component and reportingComponent. */
  readonly component: string;
  /** Events that may be sent back to back. */
  readonly burst: number;
  /** One more event is allowed per this many milliseconds, up to `burst`. */
  readonly refillMs: number;
  readonly clock: Clock;
  readonly observe: PodSyncObserver;
  readonly logger: Logger;
}

/** More sends than this in flight (a hung API) and new events are dropped, not queued. */
const maxInFlight = 4;

/**
 * Records Kubernetes Events on this pod, best effort: `record` never blocks and never throws.
 * A token bucket limits the rate (a flapping member must not flood the API), and a failed
 * create is counted and logged, not retried: Events are a story for `kubectl describe`, not
 * state anyone acts on.
 */
export class PodEventRecorder {
  private tokens: number;
  private refilledAtMs: number;
  private sequence = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: PodEventRecorderOptions) {
    this.tokens = options.burst;
    this.refilledAtMs = options.clock.now();
  }

  /** Sends one Event in the background, unless the rate limit or the in-flight cap says no. */
  record(reason: PodEventReason, message: string, podUid: string | null): void {
    if (!this.takeToken() || this.inFlight.size >= maxInFlight) {
      this.options.observe({ type: 'pod-event', reason, result: 'rate-limited' });
      this.options.logger.debug({ event: 'pod.event.dropped', reason }, 'event rate-limited');
      return;
    }
    const wallMs = Date.now();
    // Unique, sortable names as client-go's recorder makes them: <pod>.<hex nanoseconds>.
    const name = `${this.options.podName}.${(BigInt(wallMs) * 1_000_000n + BigInt(this.sequence % 1_000_000)).toString(16)}`;
    this.sequence += 1;
    const send = createPodEvent(
      this.options.api,
      {
        name,
        reason,
        message,
        type: 'Normal',
        component: this.options.component,
        instance: this.options.podName,
        time: new Date(wallMs).toISOString().replace(/\.\d+Z$/, 'Z'),
        pod: { name: this.options.podName, namespace: this.options.namespace, uid: podUid },
      },
      AbortSignal.timeout(this.options.api.requestTimeoutMs),
    ).then(
      () => {
        this.options.observe({ type: 'pod-event', reason, result: 'recorded' });
      },
      (error: unknown) => {
        const mapped = toKubernetesError(error, `create event ${name}`);
        this.options.observe({ type: 'pod-event', reason, result: 'failed' });
        this.options.logger.warn(
          { event: 'pod.event.failed', reason, statusReason: mapped.reason },
          mapped.message,
        );
      },
    );
    this.inFlight.add(send);
    void send.finally(() => this.inFlight.delete(send));
  }

  /** Resolves once every Event in flight has been sent or has failed (each has a deadline). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private takeToken(): boolean {
    const now = this.options.clock.now();
    const earned = Math.floor((now - this.refilledAtMs) / this.options.refillMs);
    if (earned > 0) {
      this.tokens = Math.min(this.options.burst, this.tokens + earned);
      this.refilledAtMs += earned * this.options.refillMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
