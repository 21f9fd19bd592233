import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { ElectorError } from '../../core/errors.js';
import type { ElectionBackend, ElectionState, MemberStatus } from '../backend.js';
import { pause, untilSettledOrAborted, Wakeup } from '../../runtime/abortable.js';
import { Backoff, type BackoffPolicy } from '../../runtime/backoff.js';
import { ElectionStore, type CandidateList } from './election-store.js';
import { createEtcdClient } from './etcd-client.js';
import { createErrorReporter, type EtcdErrorReporter } from './etcd-errors.js';
import {
  resolveEtcdOptions,
  type EtcdBackendOptions,
  type ResolvedEtcdOptions,
} from './options.js';
import {
  electionStateAt,
  hasStateChanged,
  memberStatuses,
  type CandidateView,
  type ViewInput,
} from './election-view.js';
import { runSession, Session, type SessionOutcome } from './session.js';
import { StartGate } from './start-gate.js';

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
 * Creates an etcd election member (the recipe of etcd's client/v3/concurrency election, on
 * etcd3's lease, watch and txn primitives). Throws CONFIG_INVALID (listing every bad option)
 * at once; contacts etcd only in start(), which resolves once the member's key is written.
 *
 * etcd3's own `Election` is not used: its lease counts the TTL from when a renewal's answer
 * ARRIVED and reports loss only after 2 × TTL without one, so a cut-off leader would act past
 * its lease; it never watches its own key; its waiting watch outlives resign(); and it offers
 * no way to read the create revision that serves as the fencing token.
 *
 * @see https://github.com/etcd-io/etcd/blob/main/client/v3/concurrency/election.go
 */
export function createEtcdBackend(options: EtcdBackendOptions): EtcdBackend {
  return new EtcdElection(resolveEtcdOptions(options), options);
}

class EtcdElection implements EtcdBackend {
  readonly name = 'etcd' as const;
  private readonly logger: Logger;
  private readonly report: EtcdErrorReporter;
  private readonly retry: BackoffPolicy;
  private readonly listeners = new Set<(next: ElectionState) => void>();
  private readonly eligibilityChanged: Wakeup;
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
    this.eligibilityChanged = new Wakeup(runtime.clock);
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
    const joined = new StartGate();
    this.loop = this.campaignUntilAborted(client, signal, joined);
    return joined.promise;
  }

  current(): ElectionState {
    return electionStateAt(this.viewInput());
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
    await untilSettledOrAborted(done, signal);
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
    const input = this.viewInput();
    return memberStatuses(input, electionStateAt(input), this.isReady());
  }

  stopped(): Promise<void> {
    return this.loop;
  }

  /** The campaign loop: one session after another while eligible, until `signal` aborts. Never rejects. */
  private async campaignUntilAborted(
    client: Etcd3,
    signal: AbortSignal,
    joined: StartGate,
  ): Promise<void> {
    const store = new ElectionStore(client, this.options.keyPrefix, this.logger);
    const backoff = new Backoff(this.retry);
    let unrevokedLeaseId: string | null = null;
    while (!signal.aborted) {
      try {
        if (!this.isEligible) {
          joined.open();
          await this.observeWhileIneligible(store, signal);
          continue;
        }
        if (unrevokedLeaseId !== null) {
          // Our previous key may still sit in the queue; never hold two places at once.
          await store.revokeLease(unrevokedLeaseId);
          unrevokedLeaseId = null;
        }
        const outcome = await this.runOneSession(client, store, signal, joined);
        unrevokedLeaseId = outcome.unrevokedLeaseId;
        if (outcome.hasJoined) {
          joined.open();
          backoff.reset();
        }
        if (outcome.error === null) continue;
        if (!outcome.error.retryable && joined.fail(outcome.error)) break;
        await pause(
          this.runtime.clock,
          outcome.error.retryable ? backoff.nextDelayMs() : this.options.retryMaxDelayMs,
          signal,
        );
      } catch (error) {
        this.report('revoke', error);
        await pause(this.runtime.clock, backoff.nextDelayMs(), signal);
      }
    }
    joined.open();
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

  /** Without a key of its own, the member still reads who leads, for current() and members(). */
  private async observeWhileIneligible(store: ElectionStore, signal: AbortSignal): Promise<void> {
    const readAt = this.runtime.clock.now();
    try {
      const list = await store.listCandidates();
      this.isConnected = true;
      this.noteCandidates(list, readAt);
    } catch (error) {
      this.report('read', error);
    }
    await this.eligibilityChanged.wait(this.options.refreshIntervalMs, signal);
  }

  private noteCandidates(list: CandidateList, readAt: number): void {
    this.candidates = { list, readAt };
    const first = list.candidates[0];
    if (first !== undefined && first.createRevision > this.lastFencingToken) {
      this.lastFencingToken = first.createRevision;
    }
    this.emitIfChanged();
  }

  private async runOneSession(
    client: Etcd3,
    store: ElectionStore,
    signal: AbortSignal,
    joined: StartGate,
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
        random: this.runtime.random,
        retry: this.retry,
        observe: this.runtime.observe,
        logger: this.logger,
        report: this.report,
        onUpdate: () => {
          if (session.createRevision !== null) joined.open();
          this.emitIfChanged();
        },
        onContact: () => {
          this.isConnected = true;
        },
        onCandidates: (list, readAt) => {
          this.noteCandidates(list, readAt);
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

  private viewInput(): ViewInput {
    return {
      now: this.runtime.clock.now(),
      memberId: this.options.memberId,
      address: this.options.address,
      ttlMs: this.options.leaseTtlSeconds * 1000,
      phase: this.phase,
      isEligible: this.isEligible,
      session: this.session,
      candidates: this.candidates,
      lastFencingToken: this.lastFencingToken,
    };
  }

  private emitIfChanged(): void {
    const next = this.current();
    const previous = this.lastEmitted;
    if (!hasStateChanged(previous, next)) return;
    this.lastEmitted = next;
    if (next.isSelf && this.session !== null) this.session.hasActed = true;
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
