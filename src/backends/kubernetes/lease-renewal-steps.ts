import { isConflict, isNotFound } from '../../kubernetes/api-errors.js';
import type { CampaignContext } from './lease-campaign.js';
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';
import { holderOf, renewWrite, tokenOf } from './lease-record.js';

/** What the renewal steps use of the campaign loop that runs them. */
export interface RenewalPort {
  readonly context: CampaignContext;
  readLease(signal: AbortSignal): Promise<LeaseSnapshot>;
  /** Writes `body` over `base` (conditional on its resourceVersion), bounded by `timeoutMs`. */
  writeLease(
    base: LeaseSnapshot,
    body: LeaseWrite,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<LeaseSnapshot>;
  /** What the holder's handover and preemption steps add to the Lease's annotations. */
  annotations(): Readonly<Record<string, string | null>>;
  loseHold(reason: string): void;
  /** Counts and logs a failed API call. */
  fail(operation: string, error: unknown): void;
}

/**
 * Keeping the held Lease, run by the campaign loop: a renewal every retry period, each bounded
 * by what is left of the renew deadline, and after a 409 a read that tells a change of metadata
 * only (still ours: write again) from a lost Lease.
 */
export class LeaseRenewalSteps {
  private startedAtMs = 0;

  constructor(private readonly port: RenewalPort) {}

  /** A write that holds the Lease (an acquire or a renewal) was sent at `atMs`. */
  markStarted(atMs: number): void {
    this.startedAtMs = atMs;
  }

  /** When the next renewal is due: a retry period after the last one was sent. */
  nextDueAtMs(): number {
    return this.startedAtMs + this.port.context.settings.retryPeriodMs;
  }

  async renew(signal: AbortSignal): Promise<void> {
    const { settings, view, clock } = this.port.context;
    const holding = view.hold().holding;
    const deadline = view.actingDeadlineMs();
    if (holding === null || deadline === null) return;
    const sentAtMs = clock.now();
    this.startedAtMs = sentAtMs;
    try {
      const write = renewWrite(holding.lease, settings, Date.now());
      const lease = await this.port.writeLease(
        holding.lease,
        { ...write, annotations: { ...write.annotations, ...this.port.annotations() } },
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
        this.port.loseHold('the Lease was deleted');
        return;
      }
      this.port.fail('renew', error);
    }
  }

  /** After a 409 on renew: still ours (only metadata changed) → renew again; otherwise lost. */
  async recheckHold(signal: AbortSignal): Promise<void> {
    try {
      if (!(await this.rereadHold(signal))) this.port.loseHold('another member holds the Lease');
    } catch (error) {
      if (isNotFound(error)) this.port.loseHold('the Lease was deleted');
      else this.port.fail('read', error);
    }
  }

  /**
   * After a 409: reads the Lease again. If it still names this member with the token it holds,
   * keeps the hold on that version, wakes the loop to write again and returns true.
   */
  async rereadHold(signal: AbortSignal): Promise<boolean> {
    const { settings, view, wakeup } = this.port.context;
    const lease = await this.port.readLease(signal);
    view.accept(lease);
    const holding = view.hold().holding;
    const isOurs = holderOf(lease) === settings.memberId && tokenOf(lease) === holding?.token;
    if (holding === null || !isOurs) return false;
    view.setHold({ holding: { ...holding, lease } });
    wakeup.wake();
    return true;
  }
}
