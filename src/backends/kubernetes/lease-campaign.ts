// The campaign loop of the Lease backend: read, acquire, renew and release the Lease, following
// client-go's tryAcquireOrRenew (tools/leaderelection/leaderelection.go). Every write carries
// the resourceVersion it was based on, so of two members racing for the Lease exactly one wins
// and the other gets 409 Conflict and reads again: there are never two holders. The loop decides
// which step runs and when; each kind of step (acquire, renewal, release, handover, preemption)
// lives in its own lease-*-steps.ts module.
import { toKubernetesError, type KubernetesApiError } from '../../kubernetes/api-errors.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';
import { isAborted, type Wakeup } from '../../runtime/abortable.js';
import type { Campaign } from '../campaign-runner.js';
import type { FailureLog } from '../../kubernetes/failure-log.js';
import { getLease, writeLease, type LeaseSnapshot, type LeaseWrite } from './lease-client.js';
import { holderOf } from './lease-record.js';
import { handoverAnnotations } from './lease-handover-record.js';
import { LeaseAcquireSteps } from './lease-acquire-steps.js';
import { LeaseHandoverSteps } from './lease-handover-steps.js';
import { LeasePreemptionSteps } from './lease-preemption-steps.js';
import { LeaseReleaseSteps } from './lease-release-steps.js';
import { LeaseRenewalSteps } from './lease-renewal-steps.js';
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
  private fatal: KubernetesApiError | null = null;
  /** The run's lifecycle handle: joined gate and start failure. */
  private campaign: Campaign | null = null;
  private isOver = false;
  /** Both sides of a handover to a named member (docs/handover.md). */
  private readonly handover: LeaseHandoverSteps;
  /** Priority preemption, which runs on the named handover (docs/handover.md). */
  private readonly preemption: LeasePreemptionSteps;
  /** Resigns, withdrawals and the release on stop. */
  private readonly releases: LeaseReleaseSteps;
  private readonly renewal: LeaseRenewalSteps;
  private readonly acquisition: LeaseAcquireSteps;

  constructor(private readonly context: CampaignContext) {
    // What every step module uses of this loop.
    const loop = {
      context,
      readLease: (signal: AbortSignal) => this.readLease(signal),
      writeLease: (
        base: LeaseSnapshot | null,
        body: LeaseWrite,
        signal: AbortSignal,
        timeoutMs?: number,
      ) => this.writeLease(base, body, signal, timeoutMs),
      loseHold: (reason: string) => {
        this.loseHold(reason);
      },
      fail: (operation: string, error: unknown) => {
        this.fail(operation, error);
      },
      isHeldOff: () => this.releases.isHeldOff(),
    };
    this.acquisition = new LeaseAcquireSteps({
      ...loop,
      joined: () => this.campaign?.joined(),
      acquiredAt: (sentAtMs) => {
        this.renewal.markStarted(sentAtMs);
      },
    });
    this.renewal = new LeaseRenewalSteps({
      ...loop,
      annotations: () => ({
        ...handoverAnnotations(this.handover.advertised()),
        ...this.preemption.renewalAnnotations(),
      }),
    });
    this.releases = new LeaseReleaseSteps({
      ...loop,
      rereadHold: (signal) => this.renewal.rereadHold(signal),
      failHandover: (reason) => {
        this.handover.fail(reason);
      },
    });
    this.handover = new LeaseHandoverSteps({
      ...loop,
      recheckHold: (signal) => this.renewal.recheckHold(signal),
      finishRelease: () => {
        this.releases.finish();
      },
    });
    this.preemption = new LeasePreemptionSteps({
      ...loop,
      requestHandover: (to) => this.requestHandover(to),
      isHandoverUnderWay: () => this.handover.isUnderWay(),
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
    await this.releases.releaseOnStop();
  }

  /** Once the campaign has ended: resolves every waiting release. */
  finish(): void {
    this.isOver = true;
    this.handover.fail('the member stopped');
    this.releases.finish();
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
    return this.releases.request(holdOff, this.isOver);
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
        this.releases.finish();
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
        await this.releases.release(signal);
      } else await this.renewal.renew(signal);
      return;
    }
    this.releases.finish();
    await this.acquisition.readAndMaybeAcquire(signal);
    await this.handover.acceptIfNamed(signal);
    await this.preemption.requestIfDue(signal);
  }

  private nextWaitMs(): number {
    const { view, clock, settings, random } = this.context;
    const now = clock.now();
    if (view.hold().holding !== null) {
      if (view.hold().isReleasing || !view.hold().isEligible) return settings.retryPeriodMs / 4;
      return Math.max(0, this.renewal.nextDueAtMs() - now);
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

  /** Writes `body` over `base` (create when null), bounded by `timeoutMs` (default: the renew deadline). */
  private writeLease(
    base: LeaseSnapshot | null,
    body: LeaseWrite,
    signal: AbortSignal,
    timeoutMs?: number,
  ): Promise<LeaseSnapshot> {
    const { api, settings } = this.context;
    const boundMs = timeoutMs ?? settings.renewDeadlineMs;
    return writeLease(api, settings.namespace, settings.leaseName, base, body, signal, boundMs);
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

  /** Read through a call: the compiler would keep a narrowing of `fatal` across awaits. */
  private hasFailed(): boolean {
    return this.fatal !== null;
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
