import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import { Backoff, isAborted, pause, Wakeup, type BackoffPolicy } from './backoff.js';
import { encodeCandidateValue, type CandidateList, type ElectionStore } from './election-store.js';
import type { EtcdErrorReporter, EtcdOperation } from './etcd-errors.js';
import { KeyWatch } from './key-watch.js';
import { keepLeaseAlive } from './lease-keeper.js';
import { checkGrantedTtl, type ResolvedEtcdOptions } from './options.js';

export interface SessionContext {
  readonly options: ResolvedEtcdOptions;
  readonly client: Etcd3;
  readonly store: ElectionStore;
  readonly clock: Clock;
  readonly retry: BackoffPolicy;
  readonly observe: ElectionObserver;
  readonly logger: Logger;
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

  let deadlineTimer: NodeJS.Timeout | undefined;
  const armDeadlineTimer = (): void => {
    clearTimeout(deadlineTimer);
    if (session.hasEnded) return;
    deadlineTimer = setTimeout(
      () => {
        if (clock.now() < session.deadline) {
          armDeadlineTimer();
          return;
        }
        const error = new ElectorError(
          'LEASE_LOST',
          `etcd lease-deadline: no renewal of lease ${session.leaseId ?? '?'} succeeded within ${options.leaseTtlSeconds} s − ${options.safetyMarginMs} ms; it may expire, so this member stops acting`,
          { retryable: true },
        );
        end(report('lease-deadline', error));
      },
      Math.max(0, session.deadline - clock.now()),
    );
  };

  const wakeup = new Wakeup();
  const cancelling = new Set<Promise<void>>();
  const drop = (watch: KeyWatch | null): void => {
    if (watch !== null) cancelling.add(watch.cancel(options.requestTimeoutMs));
  };
  const watchRetry = new Backoff(context.retry);
  let watchRetryAt = Number.NEGATIVE_INFINITY;
  const onWatchBroken = (): void => {
    watchRetryAt = clock.now() + watchRetry.nextDelayMs();
    wakeup.wake();
  };
  let ownWatch: KeyWatch | null = null;
  let predecessorWatch: KeyWatch | null = null;
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
    armDeadlineTimer();
    keeper = keepLeaseAlive(
      {
        client: context.client,
        clock,
        report,
        keepaliveIntervalMs: options.keepaliveIntervalMs,
        requestTimeoutMs: options.requestTimeoutMs,
        safetyMarginMs: options.safetyMarginMs,
        retry: context.retry,
      },
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
    const value = encodeCandidateValue(options.memberId, options.address);
    session.createRevision = await attempt('campaign', () =>
      store.putCandidate(key, value, grant.leaseId),
    );
    context.observe({ type: 'election-started' });
    context.logger.info(
      { event: 'etcd.candidate.joined', key, createRevision: session.createRevision.toString() },
      'candidate key written',
    );
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
        await pause(readRetry.nextDelayMs(), sessionSignal);
        continue;
      }
      if (isAborted(sessionSignal)) return;
      readRetry.reset();
      context.onContact();
      context.onCandidates(list, readAt);
      const ownIndex = list.candidates.findIndex((candidate) => candidate.key === key);
      if (ownIndex < 0) {
        const error = new ElectorError('LEASE_LOST', `etcd read: candidate key ${key} is gone`, {
          retryable: true,
        });
        end(report('read', error));
        return;
      }
      const canWatch = clock.now() >= watchRetryAt;
      if (ownWatch === null && canWatch) {
        ownWatch = watchOwnKey(key, list.revision + 1n);
      } else if (ownWatch?.isConnected === true) {
        session.isKeyVerified = true;
      }

      const predecessor = list.candidates[ownIndex - 1];
      if (predecessor === undefined) {
        drop(predecessorWatch);
        predecessorWatch = null;
        if (!session.isLeader) {
          session.isLeader = true;
          context.observe({ type: 'election-finished', result: 'won' });
        }
      } else if (predecessorWatch?.key !== predecessor.key && canWatch) {
        drop(predecessorWatch);
        predecessorWatch = watchPredecessor(predecessor.key, list.revision + 1n);
      }
      context.onUpdate();
      const untilWatchRetry = canWatch ? options.refreshIntervalMs : watchRetryAt - clock.now();
      await wakeup.wait(Math.min(options.refreshIntervalMs, untilWatchRetry), sessionSignal);
    }
  };

  const watchOwnKey = (key: string, fromRevision: bigint): KeyWatch => {
    const watch: KeyWatch = new KeyWatch(
      context.client,
      key,
      fromRevision,
      context.observe,
      context.logger,
      {
        onDeleted: () => {
          const error = new ElectorError(
            'LEASE_LOST',
            `etcd watch: candidate key ${key} was deleted`,
            {
              retryable: true,
            },
          );
          end(report('watch', error));
        },
        onConnected: () => {
          watchRetry.reset();
          session.isKeyVerified = true;
          context.onUpdate();
        },
        onDisconnected: () => {
          session.isKeyVerified = false;
          if (ownWatch === watch) ownWatch = null;
          drop(watch);
          context.onUpdate();
          onWatchBroken();
        },
      },
    );
    return watch;
  };

  const watchPredecessor = (key: string, fromRevision: bigint): KeyWatch => {
    const watch: KeyWatch = new KeyWatch(
      context.client,
      key,
      fromRevision,
      context.observe,
      context.logger,
      {
        onDeleted: () => {
          wakeup.wake();
        },
        onConnected: () => {
          watchRetry.reset();
        },
        onDisconnected: () => {
          if (predecessorWatch === watch) predecessorWatch = null;
          drop(watch);
          onWatchBroken();
        },
      },
    );
    return watch;
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
  clearTimeout(deadlineTimer);
  ended.abort();
  await keeper;
  drop(ownWatch);
  drop(predecessorWatch);
  await Promise.all(cancelling);
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
