import { isConflict, isNotFound } from '../../kubernetes/api-errors.js';
import { isAborted } from '../../runtime/abortable.js';
import type { CampaignContext } from './lease-campaign.js';
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';
import { LeaseHandover } from './lease-handover.js';
import {
  acceptWrite,
  handoverRequestOf,
  handoverWrite,
  isHandoverAccepted,
  type HandoverRequest,
} from './lease-handover-record.js';
import { holderOf, tokenOf } from './lease-record.js';

/** What the handover steps use of the campaign loop that runs them. */
export interface HandoverPort {
  readonly context: CampaignContext;
  /** Writes `body` over `base` (conditional on its resourceVersion), bounded by the renew deadline. */
  writeLease(base: LeaseSnapshot, body: LeaseWrite, signal: AbortSignal): Promise<LeaseSnapshot>;
  readLease(signal: AbortSignal): Promise<LeaseSnapshot>;
  /** After a 409: keeps the hold if the Lease is still ours (and wakes the loop), else loses it. */
  recheckHold(signal: AbortSignal): Promise<void>;
  loseHold(reason: string): void;
  /** Counts and logs a failed API call. */
  fail(operation: string, error: unknown): void;
  /** Resolves what waits on the hold's end, once it has ended. */
  finishRelease(): void;
  /** Whether this member keeps off the Lease after a resign of its own. */
  isHeldOff(): boolean;
}

/**
 * Both sides of a handover of the Lease to a named member, run by the campaign loop
 * (docs/handover.md): the holder advertises the request, commits once the member accepts (it
 * stops acting first) and writes it in as holder; a member named in a request accepts it.
 */
export class LeaseHandoverSteps {
  /** The holder's request under way. */
  private readonly pending: LeaseHandover;
  /**
   * How long the named member has to accept: two retry periods. A member that watches the Lease
   * answers within a few round trips; one whose watch is broken sees the request at its next
   * poll. The refusal of an unknown target must come within the HTTP resign timeout
   * (--shutdown-timeout, 5 s by default; 4 s at the default retry period).
   */
  private readonly acceptWithinMs: number;

  constructor(private readonly port: HandoverPort) {
    this.acceptWithinMs = 2 * port.context.settings.retryPeriodMs;
    this.pending = new LeaseHandover(this.acceptWithinMs);
  }

  /** Starts a handover of the held Lease to `to`; resolves at once when nothing is held. */
  request(to: string): Promise<void> {
    const { view, clock, wakeup } = this.port.context;
    const holding = view.hold().holding;
    if (holding === null) return Promise.resolve();
    const done = this.pending.start(to, holding.token, clock.now());
    wakeup.wake();
    return done;
  }

  /** The request a renewal advertises, or null. */
  advertised(): HandoverRequest | null {
    return this.pending.advertised();
  }

  isCommitted(): boolean {
    return this.pending.isCommitted();
  }

  /** Whether a handover is under way (asked, or committed and not yet written). */
  isUnderWay(): boolean {
    return this.pending.request() !== null;
  }

  /** Whether `lease` names the target of our committed handover: our own write. */
  isOwnHandOff(lease: LeaseSnapshot): boolean {
    return this.pending.isCommitted() && holderOf(lease) === this.pending.request()?.to;
  }

  /** Ends a handover under way, if any, refused with `reason`. */
  fail(reason: string): void {
    this.pending.fail(reason);
  }

  /**
   * Calls off a handover not yet committed (the caller's time ran out): refused with `reason`,
   * and this member goes on leading. Returns false when there was none, or it is committed.
   */
  cancel(reason: string): boolean {
    if (this.pending.request() === null || this.pending.isCommitted()) return false;
    this.pending.fail(reason);
    return true;
  }

  /** The newest version of the Lease that still names this member with the token it holds. */
  private heldVersion(holding: {
    readonly token: bigint;
    readonly lease: LeaseSnapshot;
  }): LeaseSnapshot {
    const observed = this.port.context.view.observed()?.lease ?? null;
    const isOurs =
      holderOf(observed) === this.port.context.settings.memberId &&
      tokenOf(observed) === holding.token;
    return observed !== null && isOurs ? observed : holding.lease;
  }

  /**
   * A request under way, once the named member has accepted it on a version this member still
   * holds, is committed: this member stops acting here, before the write that names the target.
   * Unanswered within its time, it is refused and this member goes on leading.
   */
  advance(): void {
    const { view, clock } = this.port.context;
    const request = this.pending.advertised();
    const holding = view.hold().holding;
    if (request === null || holding === null) return;
    if (isHandoverAccepted(this.heldVersion(holding), request.id)) {
      this.pending.commit();
      view.setHold({ isReleasing: true });
      view.refresh();
    } else if (this.pending.isOverdue(clock.now())) {
      this.pending.fail(
        `"${request.to}" did not accept within ${this.acceptWithinMs} ms: it is not a candidate of this election, not eligible, or not reachable`,
      );
    }
  }

  /** Writes the target in as holder (it has accepted; this member no longer acts). */
  async handOver(signal: AbortSignal): Promise<void> {
    const holding = this.port.context.view.hold().holding;
    const request = this.pending.request();
    if (holding === null || request === null) return;
    const base = this.heldVersion(holding);
    try {
      this.complete(
        await this.port.writeLease(base, handoverWrite(base, request.to, Date.now()), signal),
      );
    } catch (error) {
      if (isConflict(error)) await this.recheckHandover(request.to, holding.token, signal);
      else if (isNotFound(error)) this.port.loseHold('the Lease was deleted');
      else this.port.fail('hand over', error);
    }
  }

  /**
   * After a 409 on the handover write: an earlier try whose answer was lost may have named the
   * target already (done); else a metadata-only write came between (write again on the new
   * version), or the Lease is lost.
   */
  private async recheckHandover(to: string, token: bigint, signal: AbortSignal): Promise<void> {
    try {
      const lease = await this.port.readLease(signal);
      if (holderOf(lease) === to && tokenOf(lease) === token + 1n) {
        this.complete(lease);
        return;
      }
    } catch (error) {
      if (isNotFound(error)) this.port.loseHold('the Lease was deleted');
      else this.port.fail('read', error);
      return;
    }
    await this.port.recheckHold(signal);
  }

  /** The Lease names the target now (our write's answer, or the watch seeing it first). */
  complete(lease: LeaseSnapshot): void {
    const { view, logger } = this.port.context;
    view.accept(lease);
    const holding = view.hold().holding;
    if (holding === null) return;
    view.setHold({ holding: null });
    logger.info(
      {
        event: 'lease.handed-over',
        to: holderOf(lease),
        fencingToken: holding.token.toString(),
        nextFencingToken: tokenOf(lease).toString(),
      },
      `handed the Lease over to ${holderOf(lease) ?? '-'}`,
    );
    this.pending.succeed();
    this.port.finishRelease();
    view.refresh();
  }

  /** The named member's side: an eligible candidate accepts a request naming it. */
  async acceptIfNamed(signal: AbortSignal): Promise<void> {
    const { view, settings, logger } = this.port.context;
    const lease = view.observed()?.lease ?? null;
    const request = handoverRequestOf(lease);
    const holder = holderOf(lease);
    if (lease === null || request?.to !== settings.memberId || holder === null) return;
    if (holder === settings.memberId || isHandoverAccepted(lease, request.id)) return;
    if (!view.hold().isEligible || this.port.isHeldOff() || isAborted(signal)) return;
    try {
      view.accept(await this.port.writeLease(lease, acceptWrite(lease, request.id), signal));
      logger.info(
        { event: 'lease.handover-accepted', from: holder, request: request.id },
        `accepted the handover from ${holder}`,
      );
    } catch (error) {
      // A 409: the Lease changed since we read it; read again, and answer again if still asked.
      if (isConflict(error)) this.port.context.wakeup.wake();
      else if (!isNotFound(error)) this.port.fail('accept handover', error);
    }
  }

  /** Whether `lease` asks this follower to take over, or answers this holder's request. */
  isAskedOrAnswered(lease: LeaseSnapshot | null): boolean {
    const advertised = this.pending.advertised();
    if (advertised !== null) return isHandoverAccepted(lease, advertised.id);
    const request = handoverRequestOf(lease);
    return (
      request?.to === this.port.context.settings.memberId && !isHandoverAccepted(lease, request.id)
    );
  }
}
