import type { Event } from 'node-zookeeper-client';
import type { ElectionView, KnownCandidate } from './election-view.js';
import type { ZooKeeperSettings } from './options.js';
import { checkQueue, joinQueue, observeQueue, type SessionCampaign } from './queue.js';
import type { ZooKeeperSession } from './session.js';
import { isAborted, type Wakeup } from '../../runtime/abortable.js';
import { Backoff } from '../../runtime/backoff.js';
import { leaderNoticeDelayMs } from '../leader-notice.js';
import { zookeeperCodeOf, type FailureReporter } from './zookeeper-errors.js';
import type { BackendServices } from '../backend-runtime.js';

/** Commands from the backend's public methods, carried out by the campaign loop alone. */
export class CampaignControl {
  isEligible = true;
  private readonly resignations: (() => void)[] = [];

  /** Resolves once our znode is deleted (the handover has started). */
  requestResignation(): Promise<void> {
    return new Promise((resolve) => {
      this.resignations.push(resolve);
    });
  }

  hasResignation(): boolean {
    return this.resignations.length > 0;
  }

  finishResignations(): void {
    for (const resolve of this.resignations.splice(0)) resolve();
  }
}

export interface CampaignContext extends BackendServices {
  readonly settings: ZooKeeperSettings;
  readonly view: ElectionView;
  readonly report: FailureReporter;
  readonly wakeup: Wakeup;
  readonly control: CampaignControl;
  /** Foreign znodes already logged; lives as long as the backend, so each is logged once. */
  readonly loggedForeign: Set<string>;
  /** Called once the member has joined (its znode exists, or it is connected but ineligible). */
  onJoined(): void;
}

/**
 * Campaigns within one session until `signal` aborts (resolves) or the session ends (rejects
 * with the reason, so the caller opens a new session and campaigns again). Transient failures
 * are reported and retried here.
 */
export async function campaignInSession(
  session: ZooKeeperSession,
  context: CampaignContext,
  signal: AbortSignal,
): Promise<void> {
  const { view, wakeup, control, logger } = context;
  const heartbeatMs = Math.max(10, Math.floor(session.timeoutMs / 6));
  // Followers are woken by their watches; this re-read only catches what no watch reported.
  const followerRefreshMs = context.settings.refreshIntervalMs ?? heartbeatMs;
  const campaignSignal = AbortSignal.any([signal, session.ended]);
  const campaign: SessionCampaign = {
    session,
    settings: context.settings,
    view,
    clock: context.clock,
    logger,
    report: context.report,
    signal: campaignSignal,
    watcher: (event: Event) => {
      const name = event.getPath().slice(context.settings.parentPath.length + 1);
      logger.debug({ event: 'watch.fired', path: event.getPath() });
      if (name === campaign.watchedLeader && name !== campaign.watchedPredecessor) {
        // The leader's znode went: re-read who leads, once the successor has had its turn.
        // Nobody behind the successor campaigns.
        context.observe({ type: 'leader-watch-event' });
        campaign.watchedLeader = null;
        wakeup.wakeIn(leaderNoticeDelayMs(context.random));
        return;
      }
      context.observe({ type: 'watch-event' });
      // Watches fire once. Forget ours even if this one is stale (left from an earlier znode):
      // the notification can overtake the continuation that records what we watch, and
      // watching the same path twice costs nothing (client and server keep one watch per path).
      campaign.watchedPredecessor = null;
      wakeup.wake();
    },
    mayLead: () => control.isEligible && !control.hasResignation(),
    own: null,
    watchedPredecessor: null,
    watchedLeader: null,
    known: new Map<string, KnownCandidate>(),
    loggedForeign: context.loggedForeign,
  };
  session.onStateChange((state) => {
    logger.info(
      { event: `session.${state}`, sessionId: `0x${session.idHex}` },
      `zookeeper session ${state}`,
    );
    view.setConnection(
      state === 'connected' ? 'connected' : state === 'suspended' ? 'suspended' : 'joining',
    );
    wakeup.wake();
  });
  const waitConnected = async (): Promise<void> => {
    while (session.state() !== 'connected') {
      campaignSignal.throwIfAborted();
      await wakeup.wait(heartbeatMs, campaignSignal);
    }
    campaignSignal.throwIfAborted();
  };
  const setOwn = (own: KnownCandidate | null): void => {
    campaign.own = own;
    campaign.watchedPredecessor = null;
    campaign.watchedLeader = null;
  };

  view.setConnection('connected');
  let hasParent = false;
  // After the n-th failure in a row: about heartbeat × 2^n, capped at the session timeout.
  const backoff = new Backoff({
    baseDelayMs: 2 * heartbeatMs,
    maxDelayMs: session.timeoutMs,
    random: context.random,
  });
  let quickRetries = 0;
  for (;;) {
    if (signal.aborted) return;
    if (session.ended.aborted) throw session.ended.reason;
    let waitMs = heartbeatMs;
    try {
      if (session.state() !== 'connected') {
        await waitConnected();
        continue;
      }
      if (!hasParent) {
        await session.ensurePath(context.settings.parentPath, campaignSignal);
        hasParent = true;
      }
      if (control.hasResignation() || (!control.isEligible && campaign.own !== null)) {
        await leaveQueue(campaign);
        setOwn(null);
        control.finishResignations();
      }
      if (!control.isEligible) {
        // Out of the queue, but still following who leads, as an observer.
        await observeQueue(campaign);
        context.onJoined();
        await wakeup.wait(followerRefreshMs, campaignSignal);
        continue;
      }
      let own = campaign.own;
      if (own === null) {
        own = await joinQueue(campaign, waitConnected);
        setOwn(own);
        if (own !== null) context.onJoined();
      }
      const outcome = own === null ? 'again' : await checkQueue(campaign);
      if (outcome === 'missing') {
        view.stepDown();
        setOwn(null);
      }
      backoff.reset();
      if (outcome === 'settled' && !view.isProvenLeader()) waitMs = followerRefreshMs;
      // The queue changed under us: look again at once, but never spin.
      quickRetries = outcome === 'settled' ? 0 : quickRetries + 1;
      if (outcome !== 'settled' && quickRetries <= 3) continue;
    } catch (error) {
      if (isAborted(signal)) return;
      if (isAborted(session.ended)) throw session.ended.reason;
      if (zookeeperCodeOf(error) === 'NO_NODE') hasParent = false;
      const mapped = context.report('campaign', error);
      if (!mapped.retryable) throw mapped;
      waitMs = backoff.nextDelayMs();
    }
    await wakeup.wait(waitMs, campaignSignal);
  }
}

/** Deletes our znode, so the next candidate is notified at once; we stop acting first. */
async function leaveQueue(campaign: SessionCampaign): Promise<void> {
  campaign.view.stepDown();
  const own = campaign.own;
  if (own === null) return;
  await campaign.session.remove(`${campaign.settings.parentPath}/${own.name}`, campaign.signal);
  campaign.logger.info(
    { event: 'candidate.withdrawn', znode: own.name },
    'deleted our candidate znode',
  );
}
