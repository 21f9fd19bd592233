import { ElectorError } from '../../core/errors.js';
import type { ElectionBackend, ElectionState, MemberStatus } from '../backend.js';
import { CampaignControl, campaignInSession } from './campaign.js';
import { ElectionView } from './election-view.js';
import {
  checkNegotiatedTimeout,
  parseZooKeeperOptions,
  type ZooKeeperBackendOptions,
} from './options.js';
import { openSession, type ZooKeeperSession } from './session.js';
import { Wakeup, pause, untilAborted } from '../../runtime/abortable.js';
import { createFailureReporter } from './zookeeper-errors.js';

/** The ZooKeeper backend, plus a way to wait until it has shut down after its signal aborted. */
export interface ZooKeeperBackend extends ElectionBackend {
  /**
   * Resolves once the campaign has ended after the start signal aborted: the session is closed,
   * so our znode is gone. Never rejects. Resolves at once if start() was never called.
   */
  closed(): Promise<void>;
}

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
 * any other non-retryable error met before joining. Throws CONFIG_INVALID for bad options.
 *
 * @example
 * const backend = createZooKeeperBackend({ memberId: 'pod-0', address: '10.0.0.5:8080',
 *   connectString: 'zk-0:2181,zk-1:2181,zk-2:2181', electionName: '/elector/orders',
 *   clock: systemClock, random: Math.random, observe, logger });
 * await backend.start(root.signal);
 */
export function createZooKeeperBackend(options: ZooKeeperBackendOptions): ZooKeeperBackend {
  const settings = parseZooKeeperOptions(options);
  const logger = options.logger.child({ backend: 'zookeeper', memberId: settings.memberId });
  const report = createFailureReporter(logger, options.observe);
  const view = new ElectionView(options.clock, logger);
  const wakeup = new Wakeup(options.clock);
  const control = new CampaignControl();
  let hasStarted = false;
  let hasJoined = false;
  let hasFinished = false;
  let finished: Promise<void> = Promise.resolve();
  let onJoined: () => void = () => undefined;
  let onFatal: (error: ElectorError) => void = () => undefined;

  const backoffMs = (failures: number): number => {
    const capMs = Math.max(1000, settings.sessionTimeoutMs);
    const baseMs = Math.min(capMs, 100 * 2 ** Math.min(failures, 10));
    return baseMs * (0.5 + options.random() / 2);
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    let failures = 0;
    while (!signal.aborted) {
      let session: ZooKeeperSession | null = null;
      try {
        session = await openSession(
          {
            connectString: settings.connectString,
            sessionTimeoutMs: settings.sessionTimeoutMs,
            auth: settings.auth,
          },
          signal,
        );
        checkNegotiatedTimeout(settings.sessionTimeoutMs, session.timeoutMs);
        logger.info(
          {
            event: 'session.started',
            sessionId: `0x${session.idHex}`,
            sessionTimeoutMs: session.timeoutMs,
          },
          'zookeeper session started',
        );
        failures = 0;
        await campaignInSession(
          session,
          {
            settings,
            view,
            clock: options.clock,
            random: options.random,
            logger,
            observe: options.observe,
            report,
            wakeup,
            control,
            onJoined: () => {
              onJoined();
            },
          },
          signal,
        );
      } catch (error) {
        if (isAborted(signal)) break;
        view.stepDown();
        view.setConnection('connecting');
        const mapped = report('session', error);
        if (!mapped.retryable && !hasJoined) {
          onFatal(mapped);
          break;
        }
        failures += 1;
        await pause(options.clock, backoffMs(failures), signal);
      } finally {
        if (session !== null) await session.close();
      }
    }
    hasFinished = true;
    view.stop();
    control.finishResignations();
  };

  return {
    name: 'zookeeper',
    async start(signal: AbortSignal): Promise<void> {
      if (hasStarted) throw new ElectorError('INTERNAL', 'zookeeper backend: start() called twice');
      hasStarted = true;
      signal.throwIfAborted();
      const joined = new Promise<void>((resolve, reject) => {
        onJoined = () => {
          hasJoined = true;
          resolve();
        };
        onFatal = reject;
      });
      finished = run(signal)
        .catch((error: unknown) => {
          // run() handles its own failures; reaching here is a bug, never a crash.
          logger.error({ event: 'backend.crashed', err: error }, 'zookeeper campaign loop failed');
          hasFinished = true;
          view.stop();
          control.finishResignations();
        })
        .finally(() => {
          // Never leave start() waiting on a campaign that is over (no-op once joined).
          onFatal(new ElectorError('INTERNAL', 'zookeeper campaign ended before joining'));
        });
      await untilAborted(joined, signal);
    },
    current: (): ElectionState => view.current(),
    onChange: (listener) => view.onChange(listener),
    async resign(signal: AbortSignal): Promise<void> {
      if (!view.isLowest() || !hasStarted || hasFinished) return;
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
    members: (): readonly MemberStatus[] => view.members(),
    closed: () => finished,
  };
}

/** Reads `aborted` afresh (TypeScript keeps a narrowed `signal.aborted` across awaits). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
