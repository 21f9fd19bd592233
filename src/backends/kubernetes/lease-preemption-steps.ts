import { isConflict, isNotFound } from '../../kubernetes/api-errors.js';
import type { CampaignContext } from './lease-campaign.js';
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';
import {
  clearedPreemptionRequest,
  holderPriorityOf,
  preemptionRequestOf,
  preemptionRequestText,
  preemptionRequestWrite,
} from './lease-priority-record.js';
import {
  EligibilityWindow,
  HolderPreemption,
  shouldRequestPreemption,
} from './lease-preemption.js';
import { holderOf, tokenOf } from './lease-record.js';

/** What the preemption steps use of the campaign loop that runs them. */
export interface PreemptionPort {
  readonly context: CampaignContext;
  /** Writes `body` over `base` (conditional on its resourceVersion), bounded by the renew deadline. */
  writeLease(base: LeaseSnapshot, body: LeaseWrite, signal: AbortSignal): Promise<LeaseSnapshot>;
  /** Hands the held Lease to `to` by the named handover; rejects with TRANSFER_FAILED on refusal. */
  requestHandover(to: string): Promise<void>;
  /** Whether a named handover is under way (a preemption's or an operator's). */
  isHandoverUnderWay(): boolean;
  /** Whether this member keeps off the Lease after a resign of its own. */
  isHeldOff(): boolean;
  /** Counts and logs a failed API call. */
  fail(operation: string, error: unknown): void;
}

/**
 * Both sides of priority preemption on the Lease, run by the campaign loop (docs/handover.md,
 * "Priority on the Lease"): a candidate that outranks the holder and has been eligible for the
 * whole window asks on the Lease; the holder answers a current request from a higher priority
 * with the named handover, which proves the candidate live and eligible before anything changes.
 */
export class LeasePreemptionSteps {
  private readonly window: EligibilityWindow;
  private readonly holder: HolderPreemption;
  private sequence = 0;
  private lastRequestAtMs: number | null = null;
  /** Set when the holder decided to remove the request on the Lease at its next renewal. */
  private isClearing = false;

  constructor(private readonly port: PreemptionPort) {
    const { settings } = port.context;
    this.window = new EligibilityWindow(settings.priorityHandoverDelayMs);
    // A candidate displaced by a lower-ranked request reads again within 1.2 retry periods of
    // its own write and asks again (its rate allows it by then): two periods let that land.
    this.holder = new HolderPreemption(
      settings.priorityHandoverDelayMs,
      settings.leaseDurationMs,
      2 * settings.retryPeriodMs,
    );
  }

  /**
   * Brings the eligibility window up to date: call on every loop step and every change of
   * eligibility, so that a break between two steps still restarts it.
   */
  track(): void {
    const { view, clock, settings } = this.port.context;
    const now = clock.now();
    const hold = view.hold();
    const lastContactMs = view.lastContactMs();
    // follower or candidate: running, joined and eligible (LeaseView.role).
    const role = view.current().role;
    const isCandidate =
      (role === 'follower' || role === 'candidate') &&
      hold.holding === null &&
      !hold.isReleasing &&
      !this.port.isHeldOff() &&
      lastContactMs !== null &&
      now - lastContactMs < settings.leaseDurationMs;
    this.window.update(isCandidate, now);
  }

  /** Milliseconds until the window completes, for the loop's next wake; null when not running. */
  windowRemainingMs(): number | null {
    return this.window.remainingMs(this.port.context.clock.now());
  }

  /** The annotation change the holder's next renewal carries: the request removed, or none. */
  renewalAnnotations(): Record<string, null> {
    return this.isClearing ? clearedPreemptionRequest() : {};
  }

  /** The holder's side, before its renewal: hand over, wait, or clear the request on the Lease. */
  considerAsHolder(): void {
    const { view, clock, settings, logger } = this.port.context;
    const holding = view.hold().holding;
    if (holding === null) return;
    const observed = view.observed()?.lease ?? null;
    const isOurs = holderOf(observed) === settings.memberId && tokenOf(observed) === holding.token;
    const request = preemptionRequestOf(isOurs ? observed : holding.lease);
    const requestText = request === null ? null : preemptionRequestText(request);
    const decision = this.holder.decide({
      memberId: settings.memberId,
      priority: settings.priority,
      token: holding.token,
      request,
      requestText,
      isHandoverUnderWay: this.port.isHandoverUnderWay(),
      now: clock.now(),
    });
    this.isClearing = decision.type === 'clear';
    if (decision.type !== 'hand-over') return;
    const { candidate, priority } = decision.request;
    const text = preemptionRequestText(decision.request);
    this.holder.started(clock.now());
    logger.info(
      {
        event: 'lease.preemption.started',
        to: candidate,
        priority,
        ownPriority: settings.priority,
      },
      `handing the Lease over to ${candidate}: its priority ${priority} is higher`,
    );
    this.port.requestHandover(candidate).then(
      () => undefined,
      (error: unknown) => {
        // Refused (not accepted in time), or called off by a resign, a withdrawal or a lost Lease.
        this.holder.refused(text);
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn(
          { event: 'lease.preemption.failed', to: candidate, reason },
          `the handover to ${candidate} for its priority did not happen: ${reason}`,
        );
        this.port.context.wakeup.wake();
      },
    );
  }

  /** The candidate's side, after its read: asks the holder to hand over once it may. */
  async requestIfDue(signal: AbortSignal): Promise<void> {
    const { view, clock, settings, logger } = this.port.context;
    this.track();
    const lease = view.observed()?.lease ?? null;
    const holder = holderOf(lease);
    const takeoverAt = view.takeoverAtMs();
    const now = clock.now();
    if (lease === null || holder === null || holder === settings.memberId) return;
    if (takeoverAt === null || now >= takeoverAt || view.hold().holding !== null) return;
    const token = tokenOf(lease);
    const isDue = shouldRequestPreemption({
      memberId: settings.memberId,
      priority: settings.priority,
      holderPriority: holderPriorityOf(lease),
      token,
      pending: preemptionRequestOf(lease),
      isWindowComplete: this.window.isComplete(now),
      lastRequestAtMs: this.lastRequestAtMs,
      retryPeriodMs: settings.retryPeriodMs,
      now,
    });
    if (!isDue) return;
    this.sequence += 1;
    const previousRequestAtMs = this.lastRequestAtMs;
    this.lastRequestAtMs = now;
    const request = {
      token,
      sequence: this.sequence,
      priority: settings.priority,
      candidate: settings.memberId,
    };
    try {
      view.accept(
        await this.port.writeLease(lease, preemptionRequestWrite(lease, request), signal),
      );
      logger.info(
        { event: 'lease.preemption.requested', holder, priority: settings.priority },
        `asked ${holder} to hand the Lease over: priority ${settings.priority} is higher`,
      );
    } catch (error) {
      // A 409 wrote nothing (so it does not count against the rate): the Lease changed since we
      // read it, perhaps by another candidate's request; read again and ask again if still due.
      if (isConflict(error)) {
        this.lastRequestAtMs = previousRequestAtMs;
        this.port.context.wakeup.wake();
      } else if (!isNotFound(error)) this.port.fail('request preemption', error);
    }
  }
}
