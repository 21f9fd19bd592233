import type { Etcd3 } from 'etcd3';
import { ElectorError } from '../../core/errors.js';
import { isAborted, pause, Wakeup } from '../../runtime/abortable.js';
import { Backoff, type BackoffPolicy } from '../../runtime/backoff.js';
import { leaderNoticeDelayMs } from '../leader-notice.js';
import {
  encodeCandidateValue,
  queueOf,
  type CandidateList,
  type ElectionStore,
} from './election-store.js';
import { mustAccept, mustStepAside } from '../named-handover.js';
import type { EtcdErrorReporter, EtcdOperation } from './etcd-errors.js';
import { deadlineTimer, keepLeaseAlive } from './lease-keeper.js';
import { SessionWatches } from './session-watches.js';
import { checkGrantedTtl, type ResolvedEtcdOptions } from './options.js';
import type { BackendServices } from '../backend-runtime.js';

export interface SessionContext extends BackendServices {
  readonly options: ResolvedEtcdOptions;
  readonly client: Etcd3;
  readonly store: ElectionStore;
  readonly retry: BackoffPolicy;
  readonly report: EtcdErrorReporter;
  /** Called after any change of the session's fields, so the owner can re-derive its state. */
  readonly onUpdate: () => void;
  /** Called after each successful etcd answer (a read or a renewal): the connection works. */
  readonly onContact: () => void;
  /** Called with each successful read of the candidate list; `readAt` is when it was sent. */
  readonly onCandidates: (list: CandidateList, readAt: number) => void;
}

/** One campaign: one lease and one candidate key. The owner reads it to answer current(). */
export class Session {
  leaseId: string | null = null;
  key: string | null = null;
  /** Create revision of our key, once written: our place in the queue and our fencing token. */
  createRevision: bigint | null = null;
  /** Monotonic ms until which the lease provably lives (last renewal sent + TTL − margin). */
  deadline = Number.NEGATIVE_INFINITY;
  /** No candidate key was older than ours at the last read (create revisions never go back). */
  isLeader = false;
  /** A read showed our key, and our watch on it has been connected since: a deletion would be seen. */
  isKeyVerified = false;
  /** It has acted as leader at least once (set by the owner when it reports isSelf). */
  hasActed = false;
  hasEnded = false;

  /** Whether this member may act as leader at `now`: computed at call time, never cached. */
  isActingAt(now: number): boolean {
    return !this.hasEnded && this.isLeader && this.isKeyVerified && now < this.deadline;
  }
}

export interface SessionOutcome {
  readonly hasJoined: boolean;
  /** Why the session ended on its own; null when `signal` ended it (resign, withdrawal, stop). */
  readonly error: ElectorError | null;
  /** A lease that could not be revoked; revoke it before granting the next one. */
  readonly unrevokedLeaseId: string | null;
}

/**
 * Runs one campaign until it ends or `signal` aborts, then revokes its lease (deleting the key).
 * The recipe of etcd's client/v3/concurrency: grant a lease, create `<prefix><lease>` bound to
 * it if absent, and lead once no key has a lower create revision. A waiting candidate watches
 * only its immediate predecessor (the greatest create revision below its own) and re-reads when
 * it goes, since the predecessor may have died without leading. It stops acting at once when
 * the lease deadline passes (a local timer), the renewal stream fails, or its own key is gone.
 * Never rejects.
 */
export async function runSession(
  context: SessionContext,
  session: Session,
  signal: AbortSignal,
): Promise<SessionOutcome> {
  const { options, store, clock, report } = context;
  const ended = new AbortController();
  const sessionSignal = AbortSignal.any([signal, ended.signal]);
  let failure: ElectorError | null = null;
  const end = (error: ElectorError): void => {
    if (session.hasEnded) return;
    failure = error;
    session.hasEnded = true;
    ended.abort();
    context.onUpdate();
  };
  const onOuterAbort = (): void => {
    session.hasEnded = true;
    context.onUpdate();
  };
  signal.addEventListener('abort', onOuterAbort, { once: true });
  const attempt = async <T>(operation: EtcdOperation, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw report(operation, error);
    }
  };
  const lost = (operation: EtcdOperation, message: string): void => {
    end(report(operation, new ElectorError('LEASE_LOST', message, { retryable: true })));
  };

  const deadline = deadlineTimer(
    clock,
    () => session.deadline,
    () => {
      lost(
        'lease-deadline',
        `etcd lease-deadline: no renewal of lease ${session.leaseId ?? '?'} succeeded within ${options.leaseTtlSeconds} s − ${options.safetyMarginMs} ms; it may expire, so this member stops acting`,
      );
    },
  );
  const wakeup = new Wakeup(clock);
  const watches = new SessionWatches(
    { ...context, requestTimeoutMs: options.requestTimeoutMs },
    {
      onOwnKeyDeleted: () => {
        lost('watch', `etcd watch: candidate key ${session.key ?? '?'} was deleted`);
      },
      onOwnWatchConnected: () => {
        session.isKeyVerified = true;
        context.onUpdate();
      },
      onOwnWatchLost: () => {
        session.isKeyVerified = false;
        context.onUpdate();
        wakeup.wake();
      },
      onRecheck: () => {
        wakeup.wake();
      },
      onLeaderGone: () => {
        wakeup.wakeIn(leaderNoticeDelayMs(context.random));
      },
    },
  );
  let keeper: Promise<void> = Promise.resolve();

  const campaign = async (): Promise<void> => {
    const grantSentAt = clock.now();
    const grant = await attempt('grant', () => store.grantLease(options.leaseTtlSeconds));
    session.leaseId = grant.leaseId;
    try {
      checkGrantedTtl(options.leaseTtlSeconds, grant.ttlSeconds);
    } catch (error) {
      throw report('grant', error);
    }
    if (isAborted(sessionSignal)) return;
    session.deadline = grantSentAt + grant.ttlSeconds * 1000 - options.safetyMarginMs;
    deadline.arm();
    keeper = keepLeaseAlive(
      { ...context, ...options },
      grant.leaseId,
      grantSentAt + options.keepaliveIntervalMs,
      {
        onRenewed: (deadline) => {
          session.deadline = Math.max(session.deadline, deadline);
          context.onContact();
        },
        onTrouble: () => {
          // A broken renewal stream may mean a lost connection: stop acting until a read re-proves the key.
          session.isKeyVerified = false;
          context.onUpdate();
          wakeup.wake();
        },
        onLost: end,
      },
      sessionSignal,
    );

    const key = store.candidateKey(grant.leaseId);
    session.key = key;
    const value = encodeCandidateValue(options.memberId, options.address, options.priority);
    const createRevision = await attempt('campaign', () =>
      store.putCandidate(key, value, grant.leaseId),
    );
    session.createRevision = createRevision;
    context.observe({ type: 'election-started' });
    context.logger.info(
      { event: 'etcd.candidate.joined', key, createRevision: createRevision.toString() },
      'candidate key written',
    );
    // Watch from just after our own write, so any later deletion of the key is seen.
    watches.watchOwnKey(key, createRevision + 1n);
    context.onUpdate();

    const readRetry = new Backoff(context.retry);
    while (!isAborted(sessionSignal)) {
      const readAt = clock.now();
      let list: CandidateList;
      try {
        list = await store.listCandidates();
      } catch (error) {
        if (isAborted(sessionSignal)) return;
        report('read', error);
        await pause(clock, readRetry.nextDelayMs(), sessionSignal);
        continue;
      }
      if (isAborted(sessionSignal)) return;
      readRetry.reset();
      context.onContact();
      context.onCandidates(list, readAt);
      const ownIndex = list.candidates.findIndex((candidate) => candidate.key === key);
      if (ownIndex < 0) {
        lost('read', `etcd read: candidate key ${key} is gone`);
        return;
      }
      // This read saw the key; with the watch live since, its deletion cannot go unseen.
      watches.watchOwnKey(key, list.revision + 1n);
      if (watches.isOwnWatchConnected) session.isKeyVerified = true;
      // Sorted by create revision, so the entry before ours is the immediate predecessor.
      const predecessor = list.candidates[ownIndex - 1];
      watches.followPredecessor(predecessor?.key ?? null, list.revision + 1n);
      // Behind the successor, also watch the leader's key, only to learn the next leader at once.
      const leader = list.candidates[0];
      const isBehindSuccessor = leader !== undefined && ownIndex >= 2;
      watches.followLeader(isBehindSuccessor ? leader.key : null, list.revision + 1n);
      watches.followHandoverRecord(ownIndex > 0 ? store.handoverKey : null, list.revision + 1n);
      if (mustStepAside(queueOf(list), key, list.handover)) {
        // A handover to a member behind us: give up our place; the owner queues us again at the back.
        context.logger.info(
          { event: 'etcd.handover.step-aside', key, to: list.handover?.to },
          'stepping aside for a handover: queueing again behind its target',
        );
        return;
      }
      const record = list.handover;
      if (
        record !== null &&
        leader !== undefined &&
        mustAccept(queueOf(list), options.memberId, record)
      ) {
        // Still in this session's loop, so eligible: tell the leader we can take over.
        const accepted = await attempt('campaign', () =>
          store.acceptHandover(record, list.handoverRevision, leader.leaseId),
        );
        context.logger.info(
          { event: 'etcd.handover.accepted', from: record.from, accepted },
          'accepted a handover to this member',
        );
      }
      if (predecessor === undefined && !session.isLeader) {
        session.isLeader = true;
        context.observe({ type: 'election-finished', result: 'won' });
      }
      context.onUpdate();
      const untilRetry = watches.msUntilRetry();
      await wakeup.wait(untilRetry > 0 ? untilRetry : options.refreshIntervalMs, sessionSignal);
    }
  };

  try {
    await campaign();
  } catch (error) {
    end(error instanceof ElectorError ? error : report('campaign', error));
  }

  // Teardown: stop acting first, then stop renewing, then give the key up.
  session.hasEnded = true;
  context.onUpdate();
  signal.removeEventListener('abort', onOuterAbort);
  deadline.stop();
  ended.abort();
  await keeper;
  await watches.close();
  if (session.createRevision !== null && !session.isLeader) {
    context.observe({ type: 'election-finished', result: 'lost' });
  }
  let unrevokedLeaseId = session.leaseId;
  if (session.leaseId !== null) {
    try {
      await store.revokeLease(session.leaseId);
      unrevokedLeaseId = null;
    } catch (error) {
      report('revoke', error);
    }
  }
  return { hasJoined: session.createRevision !== null, error: failure, unrevokedLeaseId };
}
