import { childLogger } from '../child-logger.js';
import { untilAborted, Wakeup } from '../../runtime/abortable.js';
import { FailureLog } from '../../kubernetes/failure-log.js';
import type { ElectionBackend, ElectionState, MemberStatus } from '../backend.js';
import { ElectorError } from '../../core/errors.js';
import { CampaignRunner, type Campaign } from '../campaign-runner.js';
import { LeaseCampaign } from './lease-campaign.js';
import { LeaseView } from './lease-view.js';
import { runLeaseWatcher } from './lease-watcher.js';
import { resolveLeaseOptions, type LeaseBackendOptions } from './options.js';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's rules
 * (tools/leaderelection): a candidate takes the Lease when nobody holds it, or when it has seen
 * the same record unchanged for leaseDuration on its own monotonic clock (the remote renewTime
 * is never compared with the local clock, so clock skew is harmless; a clock-*rate* difference
 * larger than leaseDuration / renewDeadline is not). The leader renews every retryPeriod and
 * acts only while now < (send time of its last successful renewal) + renewDeadline. Every write
 * carries a resourceVersion precondition, so there are never two holders.
 *
 * Unlike client-go, candidates also watch the Lease, so a released Lease is taken within
 * milliseconds. The fencing token is spec.leaseTransitions, which every acquisition increments
 * (strictly monotonic for as long as the Lease object exists; deleting it starts again at 1).
 * The leader's address is kept in the annotation elector.io/leader-address.
 *
 * @example
 * const backend = createLeaseBackend({ memberId: podName, address: '10.0.0.5:8080', api,
 *   namespace: 'shop', leaseName: 'orders', clock: systemClock, random: Math.random, observe, logger });
 * await backend.start(root.signal);
 */
export function createLeaseBackend(options: LeaseBackendOptions): ElectionBackend {
  const settings = resolveLeaseOptions(options);
  const logger = childLogger(options.logger, {
    backend: 'kubernetes',
    memberId: settings.memberId,
    lease: `${settings.namespace}/${settings.leaseName}`,
  });
  const runner: CampaignRunner = new CampaignRunner({
    backend: 'kubernetes',
    clock: options.clock,
    random: options.random,
    retry: { baseDelayMs: settings.retryPeriodMs, maxDelayMs: settings.retryPeriodMs }, // unused
    logger,
    onStopped: () => {
      view.close();
      campaign.finish();
    },
  });
  const view = new LeaseView(settings, options.clock, logger, () => runner.phase());
  const failures = new FailureLog(logger, options.clock);
  const wakeup = new Wakeup(options.clock);
  const campaign = new LeaseCampaign({ ...options, settings, view, logger, failures, wakeup });

  const run = async (lifecycle: Campaign): Promise<void> => {
    const { signal } = lifecycle;
    const stopWatching = new AbortController();
    const watcher = runLeaseWatcher(
      {
        api: options.api,
        namespace: settings.namespace,
        leaseName: settings.leaseName,
        resumeFrom: () => view.observed()?.lease?.resourceVersion ?? '',
        onLease: (lease) => {
          options.observe({ type: 'watch-event' });
          campaign.onWatchedLease(lease);
        },
        onFailure: (error) => {
          if (error.reason === 'Aborted') return;
          options.observe({ type: 'backend-error', operation: 'watch', code: error.reason });
          failures.report('watch', error);
        },
        onMalformed: (line) => {
          options.observe({ type: 'backend-error', operation: 'watch', code: 'MalformedEvent' });
          logger.warn(
            { event: 'watch.event.dropped', line: line.slice(0, 200) },
            'dropped a watch line that is not an event',
          );
        },
        clock: options.clock,
        random: options.random,
        maxDelayMs: settings.retryPeriodMs * 4,
      },
      AbortSignal.any([signal, stopWatching.signal]),
    );
    await campaign.run(lifecycle);
    // The campaign also ends on a fatal error before joining: the watcher goes with it.
    stopWatching.abort();
    await watcher;
  };

  return {
    name: 'kubernetes',
    start: (signal) => runner.start(signal, run),
    stopped: () => runner.stopped(),
    current: (): ElectionState => view.current(),
    onChange: (listener) => view.onChange(listener),
    async resign(signal: AbortSignal, to?: string): Promise<void> {
      if (runner.phase() !== 'running' || view.hold().holding === null) return;
      if (to === settings.memberId) {
        throw new ElectorError(
          'TRANSFER_FAILED',
          `leadership transfer refused: "${to}" is this member`,
          { retryable: false },
        );
      }
      if (to === undefined) {
        await untilAborted(campaign.requestRelease(true), signal);
        return;
      }
      signal.throwIfAborted();
      try {
        await untilAborted(campaign.requestHandover(to), signal);
      } catch (error) {
        // The time given ran out: a handover the target has not accepted yet is called off, and
        // this member still leads. One already committed completes (or fails) on its own.
        const reason = `"${to}" did not accept within the time given`;
        if (!(error instanceof ElectorError) && campaign.cancelHandover(reason)) {
          throw new ElectorError('TRANSFER_FAILED', `leadership transfer refused: ${reason}`, {
            retryable: true,
            cause: error,
          });
        }
        throw error;
      }
    },
    setEligible(isEligible: boolean): void {
      if (view.hold().isEligible === isEligible) return;
      view.setHold({ isEligible });
      logger.info({ event: 'eligibility.changed', isEligible }, 'eligibility changed');
      campaign.onEligibilityChanged();
      if (!isEligible && view.hold().holding !== null) {
        void campaign.requestRelease(false);
      }
      view.refresh();
      wakeup.wake();
    },
    isReady: (): boolean => {
      const lastContactMs = view.lastContactMs();
      return (
        runner.phase() === 'running' &&
        lastContactMs !== null &&
        options.clock.now() - lastContactMs < settings.leaseDurationMs
      );
    },
    members: (): readonly MemberStatus[] => view.members(),
  };
}
