// The campaign loop of the Lease backend: read, acquire, renew and release the Lease, following
// client-go's tryAcquireOrRenew (tools/leaderelection/leaderelection.go). Every write carries
// the resourceVersion it was based on, so of two members racing for the Lease exactly one wins
// and the other gets 409 Conflict and reads again: there are never two holders.
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  toKubernetesError,
  type KubernetesApiError,
} from '../../kubernetes/api-errors.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';
import { isAborted, type Wakeup } from '../../runtime/abortable.js';
import type { Campaign } from '../campaign-runner.js';
import type { FailureLog } from '../../kubernetes/failure-log.js';
import { getLease, writeLease, type LeaseSnapshot, type LeaseWrite } from './lease-client.js';
import { acquireWrite, holderOf, releaseWrite, renewWrite, tokenOf } from './lease-record.js';
import { handoverAnnotations } from './lease-handover-record.js';
import { LeaseHandoverSteps } from './lease-handover-steps.js';
import { LeasePreemptionSteps } from './lease-preemption-steps.js';
import type { LeaseView } from './lease-view.js';
import { retryJitterFactor, type LeaseSettings } from './options.js';
import type { BackendServices } from '../backend-runtime.js';

export interface CampaignContext extends BackendServices {
  readonly api: KubernetesApi;
  readonly settings: LeaseSettings;
  readonly view: LeaseView;
  readonly failures: FailureLog;
  readonly wakeup: Wakeup;
}

export class LeaseCampaign {
  /**
   * After a resign, this member does not take the Lease back before this time: two retry
   * periods, enough for a follower that only polls (its watch broken) to see the release.
   */
  private holdOffUntilMs = 0;
  private renewStartedAtMs = 0;
  private releaseWaiters: (() => void)[] = [];
  private fatal: KubernetesApiError | null = null;
  /** The run's lifecycle handle: joined gate and start failure. */
  private campaign: Campaign | null = null;
  private isOver = false;
  /** Both sides of a handover to a named member (docs/handover.md). */
  private readonly handover: LeaseHandoverSteps;
  /** Priority preemption, which runs on the named handover (docs/handover.md). */
  private readonly preemption: LeasePreemptionSteps;

  constructor(private readonly context: CampaignContext) {
    this.handover = new LeaseHandoverSteps({
      context,
      writeLease: (base, body, signal) => this.writeLease(base, body, signal),
      readLease: (signal) => this.readLease(signal),
      recheckHold: (signal) => this.recheckHold(signal),
      loseHold: (reason) => {
        this.loseHold(reason);
      },
      fail: (operation, error) => {
        this.fail(operation, error);
      },
      finishRelease: () => {
        this.finishRelease();
      },
      isHeldOff: () => context.clock.now() < this.holdOffUntilMs,
    });
    this.preemption = new LeasePreemptionSteps({
      context,
      writeLease: (base, body, signal) => this.writeLease(base, body, signal),
      requestHandover: (to) => this.requestHandover(to),
      isHandoverUnderWay: () => this.handover.isUnderWay(),
      isHeldOff: () => context.clock.now() < this.holdOffUntilMs,
      fail: (operation, error) => {
        this.fail(operation, error);
      },
    });
  }

  /** Runs until `signal` aborts (or a fatal error before joining), then releases a held Lease. */
  async run(campaign: Campaign): Promise<void> {
    const { signal } = campaign;
    this.campaign = campaign;
    while (!isAborted(signal) && !this.hasFailed()) {
      await this.step(signal);
      if (isAborted(signal) || this.hasFailed()) break;
      await this.context.wakeup.wait(this.nextWaitMs(), signal);
    }
    await this.releaseOnStop();
  }

  /** Once the campaign has ended: resolves every waiting release. */
  finish(): void {
    this.isOver = true;
    this.handover.fail('the member stopped');
    this.finishRelease();
  }

  /**
   * Hands the held Lease to the member `to` (docs/handover.md): asks on the Lease, and once `to`
   * accepts, stops acting and writes it in as holder. Resolves then; rejects with
   * TRANSFER_FAILED when `to` does not accept in time (this member still leads) or the Lease is
   * lost meanwhile. Resolves at once when this member holds nothing.
   */
  requestHandover(to: string): Promise<void> {
    return this.isOver ? Promise.resolve() : this.handover.request(to);
  }

  /** Calls off a handover not yet committed; false when there is none or it is committed. */
  cancelHandover(reason: string): boolean {
    return this.handover.cancel(reason);
  }

  /**
   * Stops acting at once and has the loop release the Lease; resolves when it is released (or
   * lost, or the member stopped). `holdOff`: leave it to the others for two retry periods.
   */
  requestRelease(holdOff: boolean): Promise<void> {
    const { view, clock, settings } = this.context;
    if (holdOff) this.holdOffUntilMs = clock.now() + 2 * settings.retryPeriodMs;
    if (view.hold().holding === null || this.isOver) return Promise.resolve();
    view.setHold({ isReleasing: true });
    view.refresh();
    this.context.wakeup.wake();
    return new Promise((resolve) => {
      this.releaseWaiters.push(resolve);
    });
  }

  /** Eligibility changed: a break restarts the priority window even between two loop steps. */
  onEligibilityChanged(): void {
    this.preemption.track();
  }

  /** A watched version of the Lease: a holder other than us while we hold it means we lost it. */
  onWatchedLease(lease: LeaseSnapshot | null): void {
    const { view, settings } = this.context;
    const isHolderChanged = view.accept(lease);
    const holder = holderOf(view.observed()?.lease ?? null);
    // A preemption request does not wake the holder: it lets a request settle for two retry
    // periods anyway, and sees it at its next renewal (whose 409 reads it, if the watch did not).
    if (this.handover.isAskedOrAnswered(lease)) this.context.wakeup.wake();
    if (view.hold().holding !== null && holder !== settings.memberId) {
      if (lease !== null && this.handover.isOwnHandOff(lease)) {
        // Our own handover write, seen on the watch before its response arrived.
        this.handover.complete(lease);
      } else if (view.hold().isReleasing && holder === null && lease !== null) {
        // Our own release, seen on the watch before its response arrived.
        view.setHold({ holding: null });
        this.finishRelease();
      } else {
        this.loseHold('the Lease names another holder or was deleted');
      }
    }
    view.refresh();
    if (isHolderChanged) this.context.wakeup.wake();
  }

  private async step(signal: AbortSignal): Promise<void> {
    const { view, clock } = this.context;
    const deadline = view.actingDeadlineMs();
    if (deadline !== null && clock.now() >= deadline) {
      this.loseHold('no renewal succeeded within the renew deadline');
    }
    this.preemption.track();
    if (view.hold().holding !== null) {
      if (!view.hold().isReleasing && view.hold().isEligible) this.preemption.considerAsHolder();
      this.handover.advance();
      if (this.handover.isCommitted()) await this.handover.handOver(signal);
      else if (view.hold().isReleasing || !view.hold().isEligible) {
        this.handover.fail('this member resigned or withdrew before the handover');
        await this.release(signal);
      } else await this.renew(signal);
      return;
    }
    this.finishRelease();
    await this.readAndMaybeAcquire(signal);
    await this.handover.acceptIfNamed(signal);
    await this.preemption.requestIfDue(signal);
  }

  private nextWaitMs(): number {
    const { view, clock, settings, random } = this.context;
    const now = clock.now();
    if (view.hold().holding !== null) {
      if (view.hold().isReleasing || !view.hold().isEligible) return settings.retryPeriodMs / 4;
      return Math.max(0, this.renewStartedAtMs + settings.retryPeriodMs - now);
    }
    // A candidate also wakes when its priority window completes, to ask at once.
    const jitteredMs = Math.min(
      settings.retryPeriodMs * (1 + (retryJitterFactor - 1) * random()),
      this.preemption.windowRemainingMs() ?? Infinity,
    );
    const takeoverAt = view.takeoverAtMs();
    if (takeoverAt === null) return jitteredMs;
    // Wake when the holder's lease expires by our observation, not up to a period later.
    return Math.min(
      jitteredMs,
      Math.max(0, takeoverAt - now) + random() * settings.retryPeriodMs * 0.1,
    );
  }

  /** GET the Lease, bounded by the renew deadline. */
  private readLease(signal: AbortSignal): Promise<LeaseSnapshot> {
    const { api, settings } = this.context;
    return getLease(api, settings.namespace, settings.leaseName, signal, settings.renewDeadlineMs);
  }

  /** Writes `body` over `base` (create when null), bounded by `timeoutMs`. */
  private writeLease(
    base: LeaseSnapshot | null,
    body: LeaseWrite,
    signal: AbortSignal,
    timeoutMs = this.context.settings.renewDeadlineMs,
  ): Promise<LeaseSnapshot> {
    const { api, settings } = this.context;
    return writeLease(api, settings.namespace, settings.leaseName, base, body, signal, timeoutMs);
  }

  private async readAndMaybeAcquire(signal: AbortSignal): Promise<void> {
    const { settings, view, clock } = this.context;
    let lease: LeaseSnapshot | null;
    try {
      lease = await this.readLease(signal);
    } catch (error) {
      if (!isNotFound(error)) {
        this.fail('read', error);
        return;
      }
      lease = null;
    }
    this.join();
    view.accept(lease);
    view.refresh();
    if (!view.hold().isEligible || clock.now() < this.holdOffUntilMs) return;
    const base = view.observed()?.lease ?? null;
    const holder = holderOf(base);
    const takeoverAt = view.takeoverAtMs();
    const isFree =
      holder === null ||
      holder === settings.memberId ||
      (takeoverAt !== null && clock.now() >= takeoverAt);
    if (isFree) await this.acquire(base, holder, signal);
  }

  private async acquire(
    base: LeaseSnapshot | null,
    previousHolder: string | null,
    signal: AbortSignal,
  ): Promise<void> {
    const { settings, view, clock, observe, logger } = this.context;
    observe({ type: 'election-started' });
    const sentAtMs = clock.now();
    try {
      const lease = await this.writeLease(base, acquireWrite(base, settings, Date.now()), signal);
      view.accept(lease);
      view.setHold({ holding: { sentAtMs, token: tokenOf(lease), lease } });
      this.renewStartedAtMs = sentAtMs;
      observe({ type: 'election-finished', result: 'won' });
      logger.info(
        {
          event: 'lease.acquired',
          fencingToken: tokenOf(lease).toString(),
          previousHolder,
          acquireMs: Math.round(clock.now() - sentAtMs),
        },
        'acquired the Lease',
      );
      view.refresh();
    } catch (error) {
      if (isConflict(error) || isAlreadyExists(error)) {
        // Another member wrote first; read again at once and follow it.
        observe({ type: 'election-finished', result: 'lost' });
        logger.debug({ event: 'lease.acquire.conflict' }, 'another member took the Lease first');
        this.context.wakeup.wake();
        return;
      }
      this.fail('acquire', error);
    }
  }

  private async renew(signal: AbortSignal): Promise<void> {
    const { settings, view, clock } = this.context;
    const holding = view.hold().holding;
    const deadline = view.actingDeadlineMs();
    if (holding === null || deadline === null) return;
    const sentAtMs = clock.now();
    this.renewStartedAtMs = sentAtMs;
    try {
      const write = renewWrite(holding.lease, settings, Date.now());
      const advertised = handoverAnnotations(this.handover.advertised());
      const lease = await this.writeLease(
        holding.lease,
        {
          ...write,
          annotations: {
            ...write.annotations,
            ...advertised,
            ...this.preemption.renewalAnnotations(),
          },
        },
        signal,
        Math.max(1, Math.floor(deadline - sentAtMs)),
      );
      view.accept(lease);
      // Unless the hold was dropped meanwhile, the deadline now counts from this send time.
      if (view.hold().holding === holding)
        view.setHold({ holding: { sentAtMs, token: holding.token, lease } });
      view.refresh();
    } catch (error) {
      if (isConflict(error)) {
        await this.recheckHold(signal);
        return;
      }
      if (isNotFound(error)) {
        this.loseHold('the Lease was deleted');
        return;
      }
      this.fail('renew', error);
    }
  }

  /** After a 409 on renew: still ours (only metadata changed) → renew again; otherwise lost. */
  private async recheckHold(signal: AbortSignal): Promise<void> {
    try {
      if (!(await this.rereadHold(signal))) this.loseHold('another member holds the Lease');
    } catch (error) {
      if (isNotFound(error)) this.loseHold('the Lease was deleted');
      else this.fail('read', error);
    }
  }

  /**
   * After a 409: reads the Lease again. If it still names this member with the token it holds,
   * keeps the hold on that version, wakes the loop to write again and returns true.
   */
  private async rereadHold(signal: AbortSignal): Promise<boolean> {
    const { settings, view } = this.context;
    const lease = await this.readLease(signal);
    view.accept(lease);
    const holding = view.hold().holding;
    const isOurs = holderOf(lease) === settings.memberId && tokenOf(lease) === holding?.token;
    if (holding === null || !isOurs) return false;
    view.setHold({ holding: { ...holding, lease } });
    this.context.wakeup.wake();
    return true;
  }

  private async release(signal: AbortSignal): Promise<void> {
    const { view, logger } = this.context;
    const holding = view.hold().holding;
    if (holding === null) return;
    try {
      const lease = await this.writeLease(
        holding.lease,
        releaseWrite(holding.lease, Date.now()),
        signal,
      );
      view.setHold({ holding: null });
      view.accept(lease);
      logger.info(
        { event: 'lease.released', fencingToken: holding.token.toString() },
        'released the Lease',
      );
      this.finishRelease();
    } catch (error) {
      if (isConflict(error)) {
        try {
          if (!(await this.rereadHold(signal))) this.dropHold();
        } catch (readError) {
          this.fail('read', readError);
        }
        return;
      }
      if (isNotFound(error)) this.dropHold();
      else this.fail('release', error);
    }
  }

  /** The Lease is no longer ours (released by another write, or gone): the release is done. */
  private dropHold(): void {
    this.context.view.setHold({ holding: null });
    this.handover.fail('the Lease was released or lost meanwhile');
    this.finishRelease();
  }

  /** On stop, a held Lease is released (bounded by the renew deadline) so a follower takes over at once. */
  private async releaseOnStop(): Promise<void> {
    const { view, settings, clock } = this.context;
    if (view.hold().holding === null) return;
    view.setHold({ isReleasing: true });
    view.refresh();
    const budget = AbortSignal.timeout(settings.renewDeadlineMs);
    const giveUpAt = clock.now() + settings.renewDeadlineMs;
    while (view.hold().holding !== null && !isAborted(budget) && clock.now() < giveUpAt) {
      await this.release(budget);
      if (view.hold().holding !== null)
        await this.context.wakeup.wait(settings.retryPeriodMs / 4, budget);
    }
  }

  private loseHold(reason: string): void {
    const { view, logger } = this.context;
    const { holding } = view.hold();
    if (holding === null) return;
    view.setHold({ holding: null });
    this.handover.fail(`the Lease was lost meanwhile: ${reason}`);
    logger.warn(
      { event: 'lease.lost', reason, fencingToken: holding.token.toString() },
      `stopped acting: ${reason}`,
    );
    view.refresh();
  }

  private finishRelease(): void {
    const { view } = this.context;
    if (view.hold().holding !== null) return;
    if (view.hold().isReleasing) {
      view.setHold({ isReleasing: false });
      view.refresh();
    }
    const waiters = this.releaseWaiters;
    this.releaseWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Read through a call: the compiler would keep a narrowing of `fatal` across awaits. */
  private hasFailed(): boolean {
    return this.fatal !== null;
  }

  private join(): void {
    this.campaign?.joined();
  }

  /** Counts and logs a failure; before joining, one no retry can fix ends the campaign. */
  private fail(operation: string, error: unknown): void {
    const { observe, failures, settings } = this.context;
    const mapped = toKubernetesError(
      error,
      `${operation} lease ${settings.namespace}/${settings.leaseName}`,
    );
    if (mapped.reason === 'Aborted') return;
    observe({ type: 'backend-error', operation, code: mapped.reason });
    failures.report(operation, mapped);
    if (!mapped.retryable && this.campaign?.failStart(mapped) === true) this.fatal = mapped;
  }
}
