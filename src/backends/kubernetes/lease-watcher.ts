import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { KubernetesApiError, toKubernetesError } from '../../kubernetes/api-errors.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';
import { isAborted, pause } from '../../runtime/abortable.js';
import { Backoff } from '../../runtime/backoff.js';
import { watchLease, type LeaseSnapshot } from './lease-client.js';

export interface LeaseWatcherOptions {
  readonly api: KubernetesApi;
  readonly namespace: string;
  readonly leaseName: string;
  /** The resourceVersion to resume from: the newest this member has seen, or '' for now. */
  readonly resumeFrom: () => string;
  /** A version of the Lease (null: deleted). */
  readonly onLease: (lease: LeaseSnapshot | null) => void;
  readonly onFailure: (error: KubernetesApiError) => void;
  readonly onMalformed: (line: string) => void;
  readonly clock: Clock;
  readonly random: Random;
  /** Cap of the reconnect backoff. */
  readonly maxDelayMs: number;
}

/**
 * Watches the Lease so that a release or a new holder is seen within milliseconds rather than
 * at the next poll (client-go polls only). The watch is an accelerator: the campaign loop still
 * reads the Lease every retry period, so a broken watch costs speed, never safety. Reconnects
 * with capped, jittered backoff; after 410 Expired it resumes from "now". Resolves on abort.
 */
export async function runLeaseWatcher(
  options: LeaseWatcherOptions,
  signal: AbortSignal,
): Promise<void> {
  const backoff = new Backoff({
    baseDelayMs: 100,
    maxDelayMs: options.maxDelayMs,
    random: options.random,
  });
  const operation = `watch lease ${options.namespace}/${options.leaseName}`;
  let resourceVersion = options.resumeFrom();
  while (!isAborted(signal)) {
    let isExpired = false;
    try {
      // Server-side timeouts are spread so that many members do not all reconnect at once.
      const timeoutSeconds = 240 + Math.floor(options.random() * 120);
      await watchLease(
        options.api,
        options.namespace,
        options.leaseName,
        resourceVersion,
        timeoutSeconds,
        // The server ends the stream after timeoutSeconds; a connection that goes silent
        // without closing is cut a little later, so a dead watch never lingers.
        AbortSignal.any([signal, AbortSignal.timeout((timeoutSeconds + 30) * 1000)]),
        (event) => {
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
              resourceVersion = event.lease.resourceVersion;
              options.onLease(event.lease);
              break;
            case 'DELETED':
              resourceVersion = event.lease.resourceVersion;
              options.onLease(null);
              break;
            case 'BOOKMARK':
              resourceVersion = event.resourceVersion;
              break;
            case 'ERROR':
              isExpired = event.code === 410;
              options.onFailure(
                new KubernetesApiError(
                  `kubernetes ${operation} ended with ${event.code} ${event.reason}: ${event.message}`,
                  {
                    operation,
                    statusCode: event.code,
                    reason: event.reason,
                    retryable: true,
                    cause: undefined,
                  },
                ),
              );
              break;
          }
        },
        options.onMalformed,
      );
      backoff.reset();
    } catch (error) {
      if (isAborted(signal)) break;
      const mapped = toKubernetesError(error, operation);
      isExpired = mapped.statusCode === 410;
      options.onFailure(mapped);
      await pause(options.clock, backoff.nextDelayMs(), signal);
    }
    // Resume where the stream ended; after 410 Expired (history compacted) start from now.
    resourceVersion = isExpired
      ? ''
      : resourceVersion === ''
        ? options.resumeFrom()
        : resourceVersion;
  }
}
