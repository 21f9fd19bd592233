import { childLogger } from '../child-logger.js';
import { handoverRefused } from '../named-handover.js';
import { LeaderHandover } from './leader-handover.js';
import { etcdConnectionWarnings, logConnectionWarnings } from '../connection-warnings.js';
import type { Etcd3 } from 'etcd3';
import type { BackendWarning, ElectionBackend, MemberStatus } from '../backend.js';
import { untilSettledOrAborted, Wakeup } from '../../runtime/abortable.js';
import type { BackoffPolicy } from '../../runtime/backoff.js';
import { CampaignRunner, type Campaign } from '../campaign-runner.js';
import { LeadershipView, type DerivedLeadership } from '../leadership-view.js';
import { ElectionStore, type CandidateList } from './election-store.js';
import { createEtcdClient } from './etcd-client.js';
import { createErrorReporter, type EtcdErrorReporter } from './etcd-errors.js';
import {
  resolveEtcdOptions,
  type EtcdBackendOptions,
  type ResolvedEtcdOptions,
} from './options.js';
import {
  deriveEtcdLeadership,
  memberStatuses,
  type CandidateView,
  type ViewInput,
} from './election-view.js';
import { runSession, Session, type SessionOutcome } from './session.js';

/**
 * Creates an etcd election member (the recipe of etcd's client/v3/concurrency election, on
 * etcd3's lease, watch and txn primitives). Contacts etcd only in start(), which resolves once
 * the member's key is written.
 *
 * etcd3's own `Election` is not used: its lease counts the TTL from when a renewal's answer
 * ARRIVED and reports loss only after 2 × TTL without one, so a cut-off leader would act past
 * its lease; it never watches its own key; its waiting watch outlives resign(); and it offers
 * no way to read the create revision that serves as the fencing token.
 *
 * @see https://github.com/etcd-io/etcd/blob/main/client/v3/concurrency/election.go
 */
export function createEtcdBackend(options: EtcdBackendOptions): ElectionBackend {
  return new EtcdElection(resolveEtcdOptions(options), options);
}

class EtcdElection extends LeadershipView implements ElectionBackend {
  readonly name = 'etcd' as const;
  private readonly report: EtcdErrorReporter;
  private readonly retry: BackoffPolicy;
  private readonly eligibilityChanged: Wakeup;
  private readonly runner: CampaignRunner;
  private readonly connectionWarnings: readonly BackendWarning[];
  private isEligible = true;
  private isConnected = false;
  private session: Session | null = null;
  private sessionController: AbortController | null = null;
  private sessionDone: Promise<SessionOutcome> | null = null;
  private candidates: CandidateView | null = null;
  private store: ElectionStore | null = null;
  private readonly handover: LeaderHandover;

  constructor(
    private readonly options: ResolvedEtcdOptions,
    private readonly runtime: EtcdBackendOptions,
  ) {
    super(
      'etcd',
      runtime.clock,
      childLogger(runtime.logger, { backend: 'etcd', election: options.electionName }),
    );
    this.eligibilityChanged = new Wakeup(runtime.clock);
    this.connectionWarnings = etcdConnectionWarnings({
      hasAuth: options.auth !== undefined,
      isTls: options.isTls,
    });
    const report = createErrorReporter(this.logger, runtime.observe);
    this.report = (operation, error) => {
      this.isConnected = false;
      return report(operation, error);
    };
    this.handover = new LeaderHandover({
      clock: runtime.clock,
      logger: this.logger,
      report: this.report,
      memberId: options.memberId,
      priority: options.priority,
      priorityHandoverDelayMs: options.priorityHandoverDelayMs,
      resign: (signal, to) => this.resign(signal, to),
    });
    this.retry = {
      baseDelayMs: options.retryBaseDelayMs,
      maxDelayMs: options.retryMaxDelayMs,
      random: runtime.random,
    };
    this.runner = new CampaignRunner({
      backend: 'etcd',
      clock: runtime.clock,
      random: runtime.random,
      retry: this.retry,
      logger: this.logger,
      onStopped: () => {
        this.close();
      },
    });
    this.onChange((next) => {
      if (next.isSelf && this.session !== null) this.session.hasActed = true;
    });
  }

  start(signal: AbortSignal): Promise<void> {
    logConnectionWarnings(this.logger, this.connectionWarnings);
    return this.runner.start(signal, async (campaign) => {
      let client: Etcd3;
      try {
        client = await createEtcdClient(this.options, this.runtime.random, this.report);
      } catch (error) {
        campaign.failStart(this.report('connect', error));
        return;
      }
      await this.campaignUntilAborted(client, campaign);
    });
  }

  async resign(signal: AbortSignal, to?: string): Promise<void> {
    const session = this.session;
    const done = this.sessionDone;
    if (session === null || done === null || !session.isLeader) return;
    if (to !== undefined) {
      await this.handover.prepare(this.store, session, to, signal);
      if (this.session !== session) throw handoverRefused('this member stopped leading meanwhile');
    }
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
    this.refresh();
  }

  warnings(): readonly BackendWarning[] {
    return this.connectionWarnings;
  }

  isReady(): boolean {
    return this.runner.phase() === 'running' && this.isConnected;
  }

  members(): readonly MemberStatus[] {
    const input = this.viewInput(this.runtime.clock.now(), this.highestToken());
    return memberStatuses(input, this.current(), this.isReady());
  }

  stopped(): Promise<void> {
    return this.runner.stopped();
  }

  /** The campaign loop: one session after another while eligible, until `signal` aborts. Never rejects. */
  private async campaignUntilAborted(client: Etcd3, campaign: Campaign): Promise<void> {
    const { signal } = campaign;
    const { keyPrefix, handoverKey } = this.options;
    const store = new ElectionStore(client, keyPrefix, handoverKey, this.logger);
    this.store = store;
    let unrevokedLeaseId: string | null = null;
    while (!signal.aborted) {
      try {
        if (!this.isEligible) {
          campaign.joined();
          await this.observeWhileIneligible(store, signal);
          continue;
        }
        if (unrevokedLeaseId !== null) {
          // Our previous key may still sit in the queue; never hold two places at once.
          await store.revokeLease(unrevokedLeaseId);
          unrevokedLeaseId = null;
        }
        const outcome = await this.runOneSession(client, store, campaign);
        unrevokedLeaseId = outcome.unrevokedLeaseId;
        if (outcome.hasJoined) {
          campaign.joined();
          campaign.succeeded();
        }
        if (outcome.error === null) continue;
        if (!(await campaign.retryAfter(outcome.error))) break;
      } catch (error) {
        if (!(await campaign.retryAfter(this.report('revoke', error)))) break;
      }
    }
    if (unrevokedLeaseId !== null) {
      try {
        await store.revokeLease(unrevokedLeaseId);
      } catch (error) {
        this.report('revoke', error);
      }
    }
    client.close();
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
    this.noteToken(list.candidates[0]?.createRevision ?? null);
    this.refresh();
    this.handover.noteCandidates(list.candidates, readAt, this.session);
  }

  private async runOneSession(
    client: Etcd3,
    store: ElectionStore,
    campaign: Campaign,
  ): Promise<SessionOutcome> {
    const controller = new AbortController();
    const session = new Session();
    this.session = session;
    this.sessionController = controller;
    const done = runSession(
      {
        ...this.runtime,
        options: this.options,
        client,
        store,
        retry: this.retry,
        logger: this.logger,
        report: this.report,
        onUpdate: () => {
          if (session.createRevision !== null) campaign.joined();
          this.refresh();
        },
        onContact: () => {
          this.isConnected = true;
        },
        onCandidates: (list, readAt) => {
          this.noteCandidates(list, readAt);
        },
      },
      session,
      AbortSignal.any([campaign.signal, controller.signal]),
    );
    this.sessionDone = done;
    const outcome = await done;
    this.session = null;
    this.sessionController = null;
    this.sessionDone = null;
    this.refresh();
    return outcome;
  }

  protected derive(now: number, highestToken: bigint): DerivedLeadership {
    return deriveEtcdLeadership(this.viewInput(now, highestToken));
  }

  private viewInput(now: number, highestToken: bigint): ViewInput {
    return {
      now,
      memberId: this.options.memberId,
      address: this.options.address,
      ttlMs: this.options.leaseTtlSeconds * 1000,
      phase: this.runner.phase(),
      isEligible: this.isEligible,
      session: this.session,
      priority: this.options.priority,
      candidates: this.candidates,
      highestToken,
    };
  }
}
