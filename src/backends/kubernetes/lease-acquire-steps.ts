import { isAlreadyExists, isConflict, isNotFound } from '../../kubernetes/api-errors.js';
import type { CampaignContext } from './lease-campaign.js';
import type { LeaseSnapshot, LeaseWrite } from './lease-client.js';
import { acquireWrite, holderOf, tokenOf } from './lease-record.js';

/** What the acquire steps use of the campaign loop that runs them. */
export interface AcquirePort {
  readonly context: CampaignContext;
  readLease(signal: AbortSignal): Promise<LeaseSnapshot>;
  /** Writes `body` over `base` (create when null), bounded by the renew deadline. */
  writeLease(
    base: LeaseSnapshot | null,
    body: LeaseWrite,
    signal: AbortSignal,
  ): Promise<LeaseSnapshot>;
  /** The first read answered (the Lease, or that there is none): the member has joined. */
  joined(): void;
  /** The Lease was acquired by a write sent at `sentAtMs`: renewals count from it. */
  acquiredAt(sentAtMs: number): void;
  /** Whether this member keeps off the Lease after a resign of its own. */
  isHeldOff(): boolean;
  /** Counts and logs a failed API call. */
  fail(operation: string, error: unknown): void;
}

/**
 * Taking the Lease, run by the campaign loop when this member holds nothing: read it, and when
 * it is free (no holder, this member, or a holder whose lease ran out by this member's own
 * observation) write this member in, conditional on the version read. Of two members racing,
 * one wins and the other gets 409 Conflict and reads again.
 */
export class LeaseAcquireSteps {
  constructor(private readonly port: AcquirePort) {}

  async readAndMaybeAcquire(signal: AbortSignal): Promise<void> {
    const { settings, view, clock } = this.port.context;
    let lease: LeaseSnapshot | null;
    try {
      lease = await this.port.readLease(signal);
    } catch (error) {
      if (!isNotFound(error)) {
        this.port.fail('read', error);
        return;
      }
      lease = null;
    }
    this.port.joined();
    view.accept(lease);
    view.refresh();
    if (!view.hold().isEligible || this.port.isHeldOff()) return;
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
    const { settings, view, clock, observe, logger, wakeup } = this.port.context;
    observe({ type: 'election-started' });
    const sentAtMs = clock.now();
    try {
      const write = acquireWrite(base, settings, Date.now());
      const lease = await this.port.writeLease(base, write, signal);
      view.accept(lease);
      view.setHold({ holding: { sentAtMs, token: tokenOf(lease), lease } });
      this.port.acquiredAt(sentAtMs);
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
        wakeup.wake();
        return;
      }
      this.port.fail('acquire', error);
    }
  }
}
