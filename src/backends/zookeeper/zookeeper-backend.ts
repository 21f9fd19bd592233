import { childLogger } from '../child-logger.js';
import { PriorityPreference } from '../priority-preference.js';
import { logConnectionWarnings, zookeeperConnectionWarnings } from '../connection-warnings.js';
import type { ElectionBackend, ElectionState, MemberStatus } from '../backend.js';
import { CampaignRunner, type Campaign } from '../campaign-runner.js';
import { CampaignControl, campaignInSession } from './campaign.js';
import { ElectionView } from './election-view.js';
import {
  checkNegotiatedTimeout,
  resolveZooKeeperOptions,
  type ZooKeeperBackendOptions,
} from './options.js';
import { openSession, type ZooKeeperSession } from './session.js';
import { isAborted, untilAborted, Wakeup } from '../../runtime/abortable.js';
import { createFailureReporter } from './zookeeper-errors.js';

/**
 * Leader election over ZooKeeper, following the recipe (ephemeral sequential znodes under
 * `electionName`; the lowest leads; each other candidate watches only its predecessor) and
 * Curator's connection-state rules: on SUSPENDED the leader stops acting at once; after a
 * reconnect it acts again only once its znode is verified as lowest and owned by its session;
 * on session expiry it joins again with a new znode in a new session. The fencing token is the
 * leader znode's czxid.
 *
 * Every member sends a heartbeat each sessionTimeout/6: followers list the queue, the leader also
 * commits a check-only multi on its znode. A request with no answer within 2/3 of the timeout
 * drops the connection (the library has no read timeout of its own). The leader's lease is the
 * send time of its last acknowledged check plus half the negotiated session timeout.
 *
 * `start` resolves once the member's znode exists (or, while ineligible, once it is connected);
 * it rejects with CONFIG_INVALID when the server negotiates another session timeout, and with
 * any other non-retryable error met before joining.
 *
 * @example
 * const backend = createZooKeeperBackend({ memberId: 'pod-0', address: '10.0.0.5:8080',
 *   connectString: 'zk-0:2181,zk-1:2181,zk-2:2181', electionName: '/elector/orders',
 *   clock: systemClock, random: Math.random, observe, logger });
 * await backend.start(root.signal);
 */
export function createZooKeeperBackend(options: ZooKeeperBackendOptions): ElectionBackend {
  const settings = resolveZooKeeperOptions(options);
  const logger = childLogger(options.logger, { backend: 'zookeeper', memberId: settings.memberId });
  const report = createFailureReporter(logger, options.observe);
  const runner: CampaignRunner = new CampaignRunner({
    backend: 'zookeeper',
    clock: options.clock,
    random: options.random,
    // A failed session is retried after about 200 ms, doubling up to the session timeout.
    retry: { baseDelayMs: 200, maxDelayMs: Math.max(1000, settings.sessionTimeoutMs) },
    logger,
    onStopped: () => {
      view.close();
      control.finishResignations();
      control.refuseHandover();
    },
  });
  const view = new ElectionView(options.clock, logger, () => runner.phase());
  const wakeup = new Wakeup(options.clock);
  const control = new CampaignControl();
  const loggedForeign = new Set<string>();
  const preference = new PriorityPreference(settings.priorityHandoverDelayMs);
  const warnings = zookeeperConnectionWarnings(settings.auth !== null);

  const run = async (campaign: Campaign): Promise<void> => {
    const { signal } = campaign;
    while (!signal.aborted) {
      let session: ZooKeeperSession | null = null;
      try {
        session = await openSession(settings, options.clock, signal);
        checkNegotiatedTimeout(settings.sessionTimeoutMs, session.timeoutMs);
        logger.info(
          {
            event: 'session.started',
            sessionId: `0x${session.idHex}`,
            sessionTimeoutMs: session.timeoutMs,
          },
          'zookeeper session started',
        );
        campaign.succeeded();
        await campaignInSession(
          session,
          {
            ...options,
            settings,
            view,
            logger,
            report,
            wakeup,
            control,
            loggedForeign,
            preference,
            onJoined: campaign.joined,
          },
          signal,
        );
      } catch (error) {
        if (isAborted(signal)) break;
        view.stepDown();
        view.setConnection('joining');
        if (!(await campaign.retryAfter(report('session', error)))) break;
      } finally {
        if (session !== null) await session.close();
      }
    }
  };

  return {
    name: 'zookeeper',
    start(signal: AbortSignal): Promise<void> {
      logConnectionWarnings(logger, warnings);
      return runner.start(signal, run);
    },
    stopped: () => runner.stopped(),
    current: (): ElectionState => view.current(),
    onChange: (listener) => view.onChange(listener),
    async resign(signal: AbortSignal, to?: string): Promise<void> {
      if (!view.isLowest() || runner.phase() !== 'running') return;
      if (to !== undefined) {
        const handedOver = control.requestHandover(to, options.clock.now(), signal);
        wakeup.wake();
        await handedOver;
        return;
      }
      view.stepDown();
      const resigned = control.requestResignation();
      wakeup.wake();
      await untilAborted(resigned, signal);
    },
    setEligible(isEligible: boolean): void {
      if (control.isEligible === isEligible) return;
      control.isEligible = isEligible;
      view.setEligible(isEligible);
      logger.info({ event: 'eligibility.changed', isEligible }, 'eligibility changed');
      wakeup.wake();
    },
    isReady: (): boolean => view.isConnected(),
    warnings: () => warnings,
    members: (): readonly MemberStatus[] => view.members(),
  };
}
