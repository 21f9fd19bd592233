import { isConflict, isNotFound } from '../../kubernetes/api-errors.js';
import { isAborted } from '../../runtime/abortable.js';
import type { CampaignContext } from './lease-campaign.js';
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';
import { releaseWrite } from './lease-record.js';

/** What the release steps use of the campaign loop that runs them. */
export interface ReleasePort {
  readonly context: CampaignContext;
  /** Writes `body` over `base` (conditional on its resourceVersion), bounded by the renew deadline. */
  writeLease(base: LeaseSnapshot, body: LeaseWrite, signal: AbortSignal): Promise<LeaseSnapshot>;
  /** After a 409: true (and the loop woken) when the Lease still names this member with its token. */
  rereadHold(signal: AbortSignal): Promise<boolean>;
  /** Ends a handover under way, which cannot complete once the hold is given up. */
  failHandover(reason: string): void;
  /** Counts and logs a failed API call. */
  fail(operation: string, error: unknown): void;
}

/**
 * Giving the Lease up, run by the campaign loop: a resign or a withdrawal stops acting at once
 * and has the loop write the release; a stop releases within the renew deadline, so a follower
 * takes over at once instead of waiting out the lease.
 */
export class LeaseReleaseSteps {
  /**
   * After a resign, this member does not take the Lease back before this time: two retry
   * periods, enough for a follower that only polls (its watch broken) to see the release.
   */
  private holdOffUntilMs = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly port: ReleasePort) {}

  /** Whether this member keeps off the Lease after a resign of its own. */
  isHeldOff(): boolean {
    return this.port.context.clock.now() < this.holdOffUntilMs;
  }

  /**
   * Stops acting at once and has the loop release the Lease; resolves when it is released (or
   * lost, or the member stopped). `holdOff`: leave it to the others for two retry periods.
   * `isOver`: the campaign has ended, so nothing is left to release.
   */
  request(holdOff: boolean, isOver: boolean): Promise<void> {
    const { view, clock, settings, wakeup } = this.port.context;
    if (holdOff) this.holdOffUntilMs = clock.now() + 2 * settings.retryPeriodMs;
    if (view.hold().holding === null || isOver) return Promise.resolve();
    view.setHold({ isReleasing: true });
    view.refresh();
    wakeup.wake();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  /** Writes the release of the held Lease; on a 409 keeps the hold if it is still ours. */
  async release(signal: AbortSignal): Promise<void> {
    const { view, logger } = this.port.context;
    const holding = view.hold().holding;
    if (holding === null) return;
    try {
      const lease = await this.port.writeLease(
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
      this.finish();
    } catch (error) {
      if (isConflict(error)) {
        try {
          if (!(await this.port.rereadHold(signal))) this.drop();
        } catch (readError) {
          this.port.fail('read', readError);
        }
        return;
      }
      if (isNotFound(error)) this.drop();
      else this.port.fail('release', error);
    }
  }

  /** On stop, a held Lease is released (bounded by the renew deadline) so a follower takes over at once. */
  async releaseOnStop(): Promise<void> {
    const { view, settings, clock, wakeup } = this.port.context;
    if (view.hold().holding === null) return;
    view.setHold({ isReleasing: true });
    view.refresh();
    const budget = AbortSignal.timeout(settings.renewDeadlineMs);
    const giveUpAt = clock.now() + settings.renewDeadlineMs;
    while (view.hold().holding !== null && !isAborted(budget) && clock.now() < giveUpAt) {
      await this.release(budget);
      if (view.hold().holding !== null) await wakeup.wait(settings.retryPeriodMs / 4, budget);
    }
  }

  /** Once nothing is held: ends the release under way and resolves every waiting request. */
  finish(): void {
    const { view } = this.port.context;
    if (view.hold().holding !== null) return;
    if (view.hold().isReleasing) {
      view.setHold({ isReleasing: false });
      view.refresh();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The Lease is no longer ours (released by another write, or gone): the release is done. */
  private drop(): void {
    this.port.context.view.setHold({ holding: null });
    this.port.failHandover('the Lease was released or lost meanwhile');
    this.finish();
  }
}
