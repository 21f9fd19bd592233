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
import { handoverRefused, queueHandoverPollMs } from '../named-handover.js';
import type { PriorityPreference } from '../priority-preference.js';
import { advanceHandover, followHandover, type PendingHandover } from './handover.js';

/** Commands from the backend's public methods, carried out by the campaign loop alone. */
export class CampaignControl {
  isEligible = true;
  /** The handover to a named member under way, if any. */
  handover: PendingHandover | null = null;
  private readonly resignations: (() => void)[] = [];

  /**
   * Resolves once this member has stopped acting and deleted its znode with `to` directly behind
   * it; rejects with TRANSFER_FAILED otherwise (docs/handover.md).
   */
  requestHandover(to: string, startedAt: number, signal: AbortSignal): Promise<void> {
    if (this.handover !== null) {
      return Promise.reject(handoverRefused('another handover is under way'));
    }
    return new Promise((resolve, reject) => {
      this.handover = {
        to,
        startedAt,
        signal,
        hasRecord: false,
        resolve: () => {
          this.handover = null;
          resolve();
        },
        reject: (error) => {
          this.handover = null;
          reject(error);
        },
      };
    });
  }

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

  /** The member stopped: a handover still pending is refused. */
  refuseHandover(): void {
    this.handover?.reject(handoverRefused('this member stopped'));
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
  /** The leader's priority policy; lives as long as the backend. */
  readonly preference: PriorityPreference;
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
      if (event.getPath() === context.settings.handoverPath) {
        // The handover record changed: re-read it (not a wake-up to campaign).
        campaign.isHandoverWatched = false;
        wakeup.wake();
        return;
      }
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
    isHandoverWatched: false,
    handover: null,
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
      if (outcome === 'settled' && own !== null) {
        const next = await handoverPass(campaign, context, own);
        if (next === 'requeue') {
          setOwn(null);
          continue;
        }
        if (next === 'poll') waitMs = queueHandoverPollMs;
      }
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

/**
 * The handover and priority part of a settled pass: the leader advances a pending handover
 * (`poll` while it waits; `requeue` once it resigned for it) or starts one for a candidate of
 * higher priority; any other member follows the handover record (`requeue` once it stepped aside).
 */
async function handoverPass(
  campaign: SessionCampaign,
  context: CampaignContext,
  own: KnownCandidate,
): Promise<'requeue' | 'poll' | 'none'> {
  const { control, view, settings } = context;
  const pending = control.handover;
  if (pending !== null) {
    if ((await advanceHandover(campaign, pending, own)) === 'wait') return 'poll';
    await leaveQueue(campaign);
    pending.resolve();
    return 'requeue';
  }
  const isLeading = view.isProvenLeader();
  const others = view
    .queued()
    .flatMap((candidate) =>
      candidate.isForeign || candidate.priority === null || candidate.name === own.name
        ? []
        : [{ id: candidate.memberId, priority: candidate.priority, place: candidate.name }],
    );
  const to = context.preference.observe(context.clock.now(), settings.priority, others, isLeading);
  if (to !== null) {
    context.logger.info(
      { event: 'priority.handover', to, priority: settings.priority },
      'a candidate of higher priority has been queued for the whole window: handing over to it',
    );
    // Bounded by the handover's own deadline; nothing waits on it but this log.
    void control.requestHandover(to, context.clock.now(), new AbortController().signal).then(
      () => undefined,
      (error: unknown) => {
        context.logger.warn(
          { event: 'priority.handover-refused', to, err: String(error) },
          'priority handover refused; still leading, next try after the window',
        );
      },
    );
    return 'poll';
  }
  if (isLeading || view.isLowest()) return 'none';
  return (await followHandover(campaign, own)) === 'step-aside' ? 'requeue' : 'none';
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
