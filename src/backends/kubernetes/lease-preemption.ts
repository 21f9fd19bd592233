// The pure decisions of priority preemption on the Lease (docs/handover.md, "Priority on the
// Lease"), on monotonic milliseconds from the injected clock: how long a candidate has been
// eligible, whether it asks to take over, and what the holder does with a request it sees.
import type { PreemptionRequest } from './lease-priority-record.js';

/**
 * How long this member has been, without a break, a candidate that could lead: running, in
 * touch with the API server, eligible, and not holding the Lease. Any break restarts it, so a
 * member that comes and goes never completes a window (no flapping).
 */
export class EligibilityWindow {
  private sinceMs: number | null = null;

  constructor(private readonly lengthMs: number) {}

  /** Records whether the member is such a candidate at monotonic time `now`. */
  update(isCandidate: boolean, now: number): void {
    if (!isCandidate) this.sinceMs = null;
    else this.sinceMs ??= now;
  }

  /** Whether it has been one for the whole window by `now` (false while it is not one). */
  isComplete(now: number): boolean {
    return this.sinceMs !== null && now - this.sinceMs >= this.lengthMs;
  }

  /** Milliseconds until the window completes; null while it is not running or already complete. */
  remainingMs(now: number): number | null {
    if (this.sinceMs === null) return null;
    const remaining = this.sinceMs + this.lengthMs - now;
    return remaining > 0 ? remaining : null;
  }
}

/** A member's claim to lead next: its priority and its id. */
export interface Claim {
  readonly priority: number;
  readonly candidate: string;
}

/**
 * Whether `claim` goes before `other`: the higher priority, and of equal ones the id that sorts
 * first (an order every member computes alike, with no clock and no chance in it).
 */
export function outranks(claim: Claim, other: Claim): boolean {
  if (claim.priority !== other.priority) return claim.priority > other.priority;
  return claim.candidate < other.candidate;
}

/** What a candidate knows when it considers asking the holder to hand over. */
export interface CandidateSituation {
  readonly memberId: string;
  readonly priority: number;
  /** The holder's published priority (0 without the annotation). */
  readonly holderPriority: number;
  /** The holder's fencing token; a request for another token is stale. */
  readonly token: bigint;
  /** The request on the Lease now, or null. */
  readonly pending: PreemptionRequest | null;
  /** Whether this member's eligibility window is complete. */
  readonly isWindowComplete: boolean;
  /** Monotonic time of this member's last request write; null if none. */
  readonly lastRequestAtMs: number | null;
  readonly retryPeriodMs: number;
  readonly now: number;
}

/**
 * Whether the candidate writes its request now: its window is complete, its priority is
 * strictly higher than the holder's (so 0 never asks, and equals never swap), the Lease does not
 * already carry a current request of its own or of a member that outranks it, and it wrote no
 * request within the last retry period (the write rate per candidate is bounded).
 */
export function shouldRequestPreemption(situation: CandidateSituation): boolean {
  const { memberId, priority, pending, lastRequestAtMs, now } = situation;
  if (!situation.isWindowComplete || priority <= situation.holderPriority) return false;
  if (lastRequestAtMs !== null && now - lastRequestAtMs < situation.retryPeriodMs) return false;
  if (pending === null || pending.token !== situation.token) return true;
  if (pending.candidate === memberId) return false;
  return outranks({ priority, candidate: memberId }, pending);
}

/** What the holder does about the request on the Lease. */
export type HolderDecision =
  | { readonly type: 'none' }
  /** Let it stand: the holder handled a preemption within the window, or one is under way. */
  | { readonly type: 'wait' }
  /** Remove it at the next renewal: stale, refused, or not above this holder. */
  | { readonly type: 'clear'; readonly reason: string }
  /** Hand the Lease to its candidate by the named handover. */
  | { readonly type: 'hand-over'; readonly request: PreemptionRequest };

/** What the holder knows when it looks at the request on the Lease. */
export interface HolderSituation {
  readonly memberId: string;
  readonly priority: number;
  readonly token: bigint;
  /** The request on the Lease now, or null, and its annotation text. */
  readonly request: PreemptionRequest | null;
  readonly requestText: string | null;
  /** Whether a handover (preemption or resign to a named member) is under way. */
  readonly isHandoverUnderWay: boolean;
  readonly now: number;
}

/**
 * The holder's side: it hands over to a current request from a higher priority at most once per
 * window (`cooldownMs`, --priority-handover-delay), ignores requests addressed to an earlier
 * holder, and lets a request count for one lease duration from when it first saw it; a refused
 * or aged request is cleared, and a live candidate asks again with a new sequence. It acts on a
 * request only once it has stood unchanged for `settleMs` (two retry periods), so that
 * candidates whose windows completed together have overwritten it in rank order by then: the
 * highest wins.
 */
export class HolderPreemption {
  private seenText: string | null = null;
  private seenAtMs = 0;
  private refusedText: string | null = null;
  private lastHandoverAtMs: number | null = null;

  constructor(
    private readonly cooldownMs: number,
    private readonly leaseDurationMs: number,
    private readonly settleMs: number,
  ) {}

  decide(situation: HolderSituation): HolderDecision {
    const { request, requestText, now } = situation;
    if (requestText !== this.seenText) {
      this.seenText = requestText;
      this.seenAtMs = now;
    }
    if (request === null || requestText === null) return { type: 'none' };
    if (request.token !== situation.token) {
      return { type: 'clear', reason: 'addressed to an earlier holder' };
    }
    if (request.candidate === situation.memberId || request.priority <= situation.priority) {
      return { type: 'clear', reason: 'not above this holder' };
    }
    if (requestText === this.refusedText) return { type: 'clear', reason: 'refused' };
    if (now - this.seenAtMs >= this.leaseDurationMs) {
      return { type: 'clear', reason: 'older than a lease duration' };
    }
    const isCoolingDown =
      this.lastHandoverAtMs !== null && now - this.lastHandoverAtMs < this.cooldownMs;
    const isSettling = now - this.seenAtMs < this.settleMs;
    if (situation.isHandoverUnderWay || isCoolingDown || isSettling) return { type: 'wait' };
    return { type: 'hand-over', request };
  }

  /** The holder started a handover for `request` at `now`: the next waits a window. */
  started(now: number): void {
    this.lastHandoverAtMs = now;
  }

  /** The handover for the request with this text was refused: it is cleared, not retried. */
  refused(requestText: string): void {
    this.refusedText = requestText;
  }
}
