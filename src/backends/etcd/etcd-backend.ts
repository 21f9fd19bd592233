import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { ElectorError } from '../../core/errors.js';
import type { ElectionBackend, ElectionState, MemberStatus } from '../backend.js';
import { Backoff, pause, Wakeup, type BackoffPolicy } from './backoff.js';
import { ElectionStore, type CandidateList } from './election-store.js';
import { createEtcdClient } from './etcd-client.js';
import { createErrorReporter, type EtcdErrorReporter } from './etcd-errors.js';
import {
  resolveEtcdOptions,
  type EtcdBackendOptions,
  type ResolvedEtcdOptions,
} from './options.js';
import { runSession, Session, type SessionOutcome } from './session.js';

/** The etcd backend, plus a way to wait for its shutdown. */
export interface EtcdBackend extends ElectionBackend {
  readonly name: 'etcd';
  /**
   * Resolves once the member has left after start's signal aborted: its lease revoked (or,
   * if etcd is unreachable, left to expire) and the etcd client closed. Resolves at once if
   * start() was never called. Never rejects.
   */
  stopped(): Promise<void>;
}

/**
 * Creates an etcd election member. Throws CONFIG_INVALID (listing every bad option) at once;
 * contacts etcd only in start().
 */
export function createEtcdBackend(options: EtcdBackendOptions): EtcdBackend {
  return new EtcdElection(resolveEtcdOptions(options), options);
}

interface CandidateView {
  readonly list: CandidateList;
  readonly readAt: number;
}

class EtcdElection implements EtcdBackend {
  readonly name = 'etcd' as const;
  private readonly logger: Logger;
  private readonly report: EtcdErrorReporter;
  private readonly retry: BackoffPolicy;
  private readonly listeners = new Set<(next: ElectionState) => void>();
  private readonly eligibilityChanged = new Wakeup();
  private phase: 'not-started' | 'running' | 'stopped' = 'not-started';
  private isEligible = true;
  private isConnected = false;
  private session: Session | null = null;
  private sessionController: AbortController | null = null;
  private sessionDone: Promise<SessionOutcome> | null = null;
  private candidates: CandidateView | null = null;
  private lastFencingToken = 0n;
  private lastEmitted: ElectionState | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ResolvedEtcdOptions,
    private readonly runtime: EtcdBackendOptions,
  ) {
    this.logger = runtime.logger.child({ backend: 'etcd', election: options.electionName });
    const report = createErrorReporter(this.logger, runtime.observe);
    this.report = (operation, error) => {
      this.isConnected = false;
      return report(operation, error);
    };
    this.retry = {
      baseDelayMs: options.retryBaseDelayMs,
      maxDelayMs: options.retryMaxDelayMs,
      random: runtime.random,
    };
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.phase !== 'not-started') {
      throw new ElectorError('INTERNAL', 'etcd backend: start() may be called only once');
    }
    this.phase = 'running';
    let client: Etcd3;
    try {
      client = await createEtcdClient(this.options, this.runtime.random, this.report);
    } catch (error) {
      this.phase = 'stopped';
      throw this.report('connect', error);
    }
    const joined = new Joined();
    this.loop = this.campaignUntilAborted(client, signal, joined);
    return joined.promise;
  }

  current(): ElectionState {
    const now = this.runtime.clock.now();
    const session = this.session;
    if (session?.isActingAt(now) === true && session.createRevision !== null) {
      return {
        leader: this.options.memberId,
        leaderAddress: this.options.address,
        fencingToken: session.createRevision,
        term: session.createRevision,
        isSelf: true,
        leaseExpiresAt: session.deadline,
        role: 'leader',
      };
    }
    const first = this.freshCandidates(now)?.list.candidates[0];
    // Our own record first in etcd while we cannot prove it: nobody is provably leading.
    const leader = first === undefined || first.id === this.options.memberId ? undefined : first;
    const fencingToken = leader?.createRevision ?? this.lastFencingToken;
    return {
      leader: leader?.id ?? null,
      leaderAddress: leader?.address ?? null,
      fencingToken,
      term: fencingToken,
      isSelf: false,
      leaseExpiresAt: null,
      role: this.roleOf(session),
    };
  }

  onChange(listener: (next: ElectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async resign(signal: AbortSignal): Promise<void> {
    const session = this.session;
    const done = this.sessionDone;
    if (session === null || done === null || !session.isLeader) return;
    this.logger.info(
      { event: 'leadership.resigning', fencingToken: session.createRevision?.toString() },
      'resigning',
    );
    this.sessionController?.abort();
    // The session has stopped acting already; wait for the revoke that wakes the successor.
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        signal.removeEventListener('abort', finish);
        resolve();
      };
      signal.addEventListener('abort', finish, { once: true });
      if (signal.aborted) finish();
      void done.then(finish);
    });
  }

  setEligible(isEligible: boolean): void {
    if (this.isEligible === isEligible) return;
    this.isEligible = isEligible;
    this.logger.info(
      { event: 'eligibility.changed', isEligible },
      isEligible ? 'eligible again' : 'withdrawing candidacy',
    );
    if (!isEligible) this.sessionController?.abort();
    this.eligibilityChanged.wake();
    this.emitIfChanged();
  }

  isReady(): boolean {
    return this.phase === 'running' && this.isConnected;
  }

  members(): readonly MemberStatus[] {
    const now = this.runtime.clock.now();
    const view = this.candidates;
    const ttlMs = this.options.leaseTtlSeconds * 1000;
    const listed: MemberStatus[] = (view?.list.candidates ?? []).map((candidate, index) => ({
      id: candidate.id ?? candidate.key,
      address: candidate.address,
      role: index === 0 ? 'leader' : 'candidate',
      term: candidate.createRevision,
      lastContactMs: now - (view?.readAt ?? now),
      isReachable: now - (view?.readAt ?? now) < ttlMs,
    }));
    if (listed.some((member) => member.id === this.options.memberId)) return listed;
    const self = this.current();
    return [
      ...listed,
      {
        id: this.options.memberId,
        address: this.options.address,
        role: self.role,
        term: null,
        lastContactMs: 0,
        isReachable: this.isReady(),
      },
    ];
  }

  stopped(): Promise<void> {
    return this.loop;
  }

  /** The campaign loop: one session after another while eligible, until `signal` aborts. Never rejects. */
  private async campaignUntilAborted(
    client: Etcd3,
    signal: AbortSignal,
    joined: Joined,
  ): Promise<void> {
    const store = new ElectionStore(client, this.options.keyPrefix, this.logger);
    const backoff = new Backoff(this.retry);
    let unrevokedLeaseId: string | null = null;
    while (!signal.aborted) {
      try {
        if (!this.isEligible) {
          joined.resolve();
          await this.eligibilityChanged.wait(this.options.refreshIntervalMs, signal);
          continue;
        }
        if (unrevokedLeaseId !== null) {
          // Our previous key may still sit in the queue; never hold two places at once.
          await store.revokeLease(unrevokedLeaseId);
          unrevokedLeaseId = null;
        }
        const outcome = await this.runOneSession(client, store, signal);
        unrevokedLeaseId = outcome.unrevokedLeaseId;
        if (outcome.hasJoined) {
          joined.resolve();
          backoff.reset();
        }
        if (outcome.error === null) continue;
        if (!outcome.error.retryable && joined.reject(outcome.error)) break;
        await pause(
          outcome.error.retryable ? backoff.nextDelayMs() : this.options.retryMaxDelayMs,
          signal,
        );
      } catch (error) {
        this.report('revoke', error);
        await pause(backoff.nextDelayMs(), signal);
      }
    }
    joined.resolve();
    if (unrevokedLeaseId !== null) {
      try {
        await store.revokeLease(unrevokedLeaseId);
      } catch (error) {
        this.report('revoke', error);
      }
    }
    client.close();
    this.phase = 'stopped';
    this.emitIfChanged();
  }

  private async runOneSession(
    client: Etcd3,
    store: ElectionStore,
    signal: AbortSignal,
  ): Promise<SessionOutcome> {
    const controller = new AbortController();
    const session = new Session();
    this.session = session;
    this.sessionController = controller;
    const done = runSession(
      {
        options: this.options,
        client,
        store,
        clock: this.runtime.clock,
        retry: this.retry,
        observe: this.runtime.observe,
        logger: this.logger,
        report: this.report,
        onUpdate: () => {
          this.emitIfChanged();
        },
        onContact: () => {
          this.isConnected = true;
        },
        onCandidates: (list, readAt) => {
          this.candidates = { list, readAt };
          const first = list.candidates[0];
          if (first !== undefined && first.createRevision > this.lastFencingToken) {
            this.lastFencingToken = first.createRevision;
          }
          this.emitIfChanged();
        },
      },
      session,
      AbortSignal.any([signal, controller.signal]),
    );
    this.sessionDone = done;
    const outcome = await done;
    this.session = null;
    this.sessionController = null;
    this.sessionDone = null;
    this.emitIfChanged();
    return outcome;
  }

  private freshCandidates(now: number): CandidateView | null {
    const view = this.candidates;
    // A list older than one TTL says nothing about who leads now.
    return view !== null && now - view.readAt < this.options.leaseTtlSeconds * 1000 ? view : null;
  }

  private roleOf(session: Session | null): string {
    if (this.phase !== 'running') return this.phase;
    if (!this.isEligible) return 'ineligible';
    if (session === null || session.createRevision === null || session.hasEnded) return 'joining';
    return session.isLeader ? 'suspended' : 'candidate';
  }

  private emitIfChanged(): void {
    const next = this.current();
    const previous = this.lastEmitted;
    if (
      previous !== null &&
      previous.leader === next.leader &&
      previous.leaderAddress === next.leaderAddress &&
      previous.fencingToken === next.fencingToken &&
      previous.isSelf === next.isSelf &&
      previous.role === next.role
    ) {
      return;
    }
    this.lastEmitted = next;
    this.logger.info(
      {
        event: 'leadership.changed',
        term: next.term.toString(),
        leader: next.leader,
        previousLeader: previous?.leader ?? null,
        fencingToken: next.fencingToken.toString(),
        isSelf: next.isSelf,
        role: next.role,
      },
      next.isSelf ? 'leading' : `following ${next.leader ?? 'no known leader'}`,
    );
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (error) {
        this.logger.error(
          { event: 'listener.failed', err: String(error) },
          'onChange listener threw; ignored',
        );
      }
    }
  }
}

/** start()'s promise: settles once, when the member first joins, stops, or cannot start at all. */
class Joined {
  readonly promise: Promise<void>;
  private settle: { resolve(): void; reject(error: ElectorError): void } | null = null;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  resolve(): void {
    this.settle?.resolve();
    this.settle = null;
  }

  /** Rejects if still pending; returns whether it did (a start-up failure ends the loop). */
  reject(error: ElectorError): boolean {
    if (this.settle === null) return false;
    this.settle.reject(error);
    this.settle = null;
    return true;
  }
}
