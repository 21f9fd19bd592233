import { ElectorError } from '../../core/errors.js';
import type { HandoverRequest } from './lease-handover-record.js';

interface Pending {
  readonly request: HandoverRequest;
  /** Monotonic time by which the named member must have accepted. */
  readonly acceptBy: number;
  /** Set once the holder has stopped acting to write the target in: no way back to acting. */
  isCommitted: boolean;
  readonly resolve: () => void;
  readonly reject: (error: ElectorError) => void;
}

/**
 * The holder's side of one handover to a named member (docs/handover.md): the request it
 * advertises until the member accepts or `acceptWithinMs` passes, and the promise resign waits
 * on. At most one is under way.
 */
export class LeaseHandover {
  private pending: Pending | null = null;
  private sequence = 0;

  constructor(private readonly acceptWithinMs: number) {}

  /**
   * Asks for a handover to `to` of the acquisition with fencing token `token`, at monotonic time
   * `now`. Resolves once `to` was written in as holder; rejects with TRANSFER_FAILED otherwise.
   */
  start(to: string, token: bigint, now: number): Promise<void> {
    if (this.pending !== null) {
      return Promise.reject(refusal(`a handover to "${this.pending.request.to}" is under way`));
    }
    this.sequence += 1;
    return new Promise((resolve, reject) => {
      this.pending = {
        request: { id: `${token}.${this.sequence}`, to },
        acceptBy: now + this.acceptWithinMs,
        isCommitted: false,
        resolve,
        reject,
      };
    });
  }

  /** The request under way, or null. */
  request(): HandoverRequest | null {
    return this.pending?.request ?? null;
  }

  /** The request a renewal advertises: under way and not yet committed, else null. */
  advertised(): HandoverRequest | null {
    return this.pending === null || this.pending.isCommitted ? null : this.pending.request;
  }

  isCommitted(): boolean {
    return this.pending?.isCommitted === true;
  }

  /** Whether the named member let the acceptance deadline pass (never once committed). */
  isOverdue(now: number): boolean {
    return this.pending !== null && !this.pending.isCommitted && now >= this.pending.acceptBy;
  }

  /** The member accepted: from now the holder does not act, and it writes the target in. */
  commit(): void {
    if (this.pending !== null) this.pending.isCommitted = true;
  }

  succeed(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve();
  }

  /** Ends the handover under way, if any, rejecting resign with `reason`. */
  fail(reason: string): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(refusal(reason));
  }
}

function refusal(reason: string): ElectorError {
  return new ElectorError('TRANSFER_FAILED', `leadership transfer refused: ${reason}`, {
    retryable: true,
  });
}
