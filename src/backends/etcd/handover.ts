import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { ElectorError } from '../../core/errors.js';
import { isAborted, pause } from '../../runtime/abortable.js';
import {
  handoverProgress,
  handoverRefused,
  handoverTimedOut,
  queueHandoverDeadlineMs,
  queueHandoverPollMs,
} from '../named-handover.js';
import { queueOf, type ElectionStore } from './election-store.js';
import type { EtcdErrorReporter } from './etcd-errors.js';

export interface HandoverContext {
  readonly store: ElectionStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly report: EtcdErrorReporter;
  readonly memberId: string;
}

/** The leader's session as the handover needs it. */
export interface LeaderPlace {
  readonly key: string;
  readonly leaseId: string;
  /** Whether the session still proves its leadership. */
  isActing(): boolean;
}

/**
 * The leader's side of a handover to `to` (docs/handover.md, "etcd and ZooKeeper"): writes the
 * handover record bound to the leader's lease, then re-reads the queue until `to` is directly
 * behind the leader's key (the members ahead of it step aside) and `to` has accepted on the
 * record (it is queued, eligible and alive). Resolves then, leaving the
 * record to go with the lease when the caller resigns. Rejects with TRANSFER_FAILED (the target
 * is this member, unknown, not queued, behind a foreign candidate, or not next by the deadline or
 * when `signal` aborts), having deleted the record; it never stops the leader acting.
 */
export async function prepareHandover(
  context: HandoverContext,
  leader: LeaderPlace,
  to: string,
  signal: AbortSignal,
): Promise<void> {
  const { store, clock, logger } = context;
  const startedAt = clock.now();
  let hasRecord = false;
  try {
    for (;;) {
      if (!leader.isActing()) throw handoverRefused('this member stopped leading meanwhile');
      const list = await store.listCandidates();
      const progress = handoverProgress(queueOf(list), leader.key, context.memberId, to);
      if (progress.kind === 'refuse') throw handoverRefused(progress.reason);
      const record = list.handover;
      const isAccepted =
        record?.accepted === true && record.from === leader.key && record.to === to;
      if (progress.kind === 'ready' && hasRecord && isAccepted) return;
      if (!hasRecord) {
        if (!(await store.putHandover({ to, from: leader.key }, leader.leaseId))) {
          throw handoverRefused('another handover record of this election is in place');
        }
        hasRecord = true;
        logger.info(
          { event: 'etcd.handover.requested', to, key: store.handoverKey },
          'handover record written; waiting for the members ahead of the target to step aside',
        );
      }
      const waitedMs = clock.now() - startedAt;
      if (waitedMs >= queueHandoverDeadlineMs || isAborted(signal)) {
        throw handoverTimedOut(to, waitedMs);
      }
      await pause(clock, queueHandoverPollMs, signal);
    }
  } catch (error) {
    if (hasRecord) {
      try {
        await store.deleteHandover(leader.leaseId);
      } catch (deleteError) {
        // Left in place, it goes with our lease; members only step aside while we lead.
        context.report('revoke', deleteError);
      }
    }
    if (error instanceof ElectorError && error.code === 'TRANSFER_FAILED') throw error;
    const cause = context.report('read', error);
    throw handoverRefused(`etcd did not answer while handing over: ${cause.message}`);
  }
}
