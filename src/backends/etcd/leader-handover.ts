import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { handoverRefused } from '../named-handover.js';
import { PriorityPreference } from '../priority-preference.js';
import type { Candidate, ElectionStore } from './election-store.js';
import type { EtcdErrorReporter } from './etcd-errors.js';
import { prepareHandover } from './handover.js';
import type { Session } from './session.js';

export interface LeaderHandoverContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly report: EtcdErrorReporter;
  readonly memberId: string;
  readonly priority: number;
  readonly priorityHandoverDelayMs: number;
  /** The backend's resign, used to hand over to a member of higher priority. */
  readonly resign: (signal: AbortSignal, to: string) => Promise<void>;
}

/**
 * The etcd leader's handovers: the preparation of a handover to a named member (one at a time)
 * and the priority policy fed by every read of the queue.
 */
export class LeaderHandover {
  private isHandingOver = false;
  private readonly preference: PriorityPreference;

  constructor(private readonly context: LeaderHandoverContext) {
    this.preference = new PriorityPreference(context.priorityHandoverDelayMs);
  }

  /**
   * Resolves once `to` is directly behind the session's key and has accepted; rejects with
   * TRANSFER_FAILED otherwise, the session still leading (see prepareHandover).
   */
  async prepare(
    store: ElectionStore | null,
    session: Session,
    to: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { key, leaseId } = session;
    if (store === null || key === null || leaseId === null) {
      throw handoverRefused('this member holds no place in the queue');
    }
    if (this.isHandingOver) throw handoverRefused('another handover is under way');
    this.isHandingOver = true;
    const { clock } = this.context;
    try {
      const leader = { key, leaseId, isActing: () => session.isActingAt(clock.now()) };
      await prepareHandover({ ...this.context, store }, leader, to, signal);
    } finally {
      this.isHandingOver = false;
    }
    if (session.hasEnded) throw handoverRefused('this member stopped leading meanwhile');
  }

  /**
   * Notes a read of the queue (sent at `readAt`); on the leader (`session` first and acting),
   * hands over to a candidate of higher priority once its window has passed.
   */
  noteCandidates(candidates: readonly Candidate[], readAt: number, session: Session | null): void {
    const { clock, logger, priority } = this.context;
    const isLeading =
      session !== null &&
      !this.isHandingOver &&
      candidates[0]?.key === session.key &&
      session.isActingAt(clock.now());
    const others = candidates.flatMap((candidate) =>
      candidate.id === null || candidate.priority === null || candidate.key === session?.key
        ? []
        : [{ id: candidate.id, priority: candidate.priority, place: candidate.key }],
    );
    const to = this.preference.observe(readAt, priority, others, isLeading);
    if (to === null) return;
    logger.info(
      { event: 'priority.handover', to, priority },
      'a candidate of higher priority has been queued for the whole window: handing over to it',
    );
    // Bounded by the handover's own deadline; nothing waits on it but this log.
    void this.context.resign(new AbortController().signal, to).then(
      () => undefined,
      (error: unknown) => {
        logger.warn(
          { event: 'priority.handover-refused', to, err: String(error) },
          'priority handover refused; still leading, next try after the window',
        );
      },
    );
  }
}
