import type { Logger } from 'pino';
import type { CancelTimer, Clock } from '../../core/clock.js';
import type { ElectionObserver } from '../../core/election-events.js';
import { ElectorError } from '../../core/errors.js';
import type { RaftConfig } from '../../core/raft/config.js';
import {
  isActingLeader,
  leadershipAt,
  type RaftLeadership,
} from '../../core/raft/leadership-view.js';
import { contactsOf } from '../../core/raft/membership-view.js';
import type { PeerMessage } from '../../core/raft/messages.js';
import { createNode, startupPersist, step } from '../../core/raft/node.js';
import { durableStateOf, type NodeState, type SafeguardMutations } from '../../core/raft/state.js';
import type {
  LeadershipChange,
  NodeInput,
  StepNotice,
  StepResult,
} from '../../core/raft/step-types.js';
import type { Random } from '../../core/random.js';
import type { RetryDelays } from '../../runtime/backoff.js';
import { StepReporter } from './step-reporter.js';
import { StorageFaultTracker, type StorageFault } from './storage-fault.js';
import type { DurableStateStore } from './storage/durable-state-store.js';

/** The part of the peer transport the driver needs. */
export interface MessageChannel {
  send(message: PeerMessage): void;
  onMessage(handler: (message: PeerMessage) => void): () => void;
  /** Keeps connections to exactly these members (whom this member may need to reach). */
  retainPeers?(peerIds: readonly string[]): void;
}

export interface RaftDriverOptions {
  readonly config: RaftConfig;
  readonly store: DurableStateStore;
  readonly channel: MessageChannel;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: ElectionObserver;
  readonly isEligible?: boolean;
  /** Deliberate breakages for fault tests only (see SafeguardMutations). */
  readonly mutations?: SafeguardMutations;
  /** Delays between retries of a failed save (default: 1s, doubling to 30s). */
  readonly saveRetryDelays?: RetryDelays;
}

/**
 * Runs the pure core against real time, storage and network: feeds it ticks at the instants it
 * asks for and the messages that arrive, one input at a time, and for each step makes the
 * durable state (term, vote, configuration, ...) durable BEFORE sending the messages that
 * depend on it, and before showing it (role, leader, fencing token). Requests for votes are the
 * one exception: they leave while the save runs, since they grant nothing (see `process`).
 *
 * When a save fails, the step is dropped and the member stops voting and leading: the core is
 * told it is not eligible (a leader hands over or steps down), and no step that needs a save
 * runs (a vote it cannot save is never granted) until a retry, on a capped backoff, saves the
 * state again.
 */
export class RaftDriver {
  private state: NodeState | null = null;
  private queue: Promise<void> = Promise.resolve();
  private cancelTimer: CancelTimer | null = null;
  private timerWakeAt = Number.NaN;
  private readonly changeListeners = new Set<(change: LeadershipChange) => void>();
  private readonly stepListeners = new Set<(result: StepResult) => void>();
  private readonly reporter: StepReporter;
  private contacts = '';
  private isStopped = false;
  /** What the workload gate asked for; the core sees it only while saves succeed. */
  private requestedEligibility = true;
  private readonly storage: StorageFaultTracker;
  private cancelRetry: CancelTimer | null = null;
  /** The state a save in progress would make durable; shown only once it is. */
  private unsaved: NodeState | null = null;

  constructor(private readonly options: RaftDriverOptions) {
    this.reporter = new StepReporter(options.logger, options.observe);
    this.storage = new StorageFaultTracker({
      clock: options.clock,
      random: options.random,
      logger: options.logger,
      observe: options.observe,
      ...(options.saveRetryDelays === undefined ? {} : { retryDelays: options.saveRetryDelays }),
    });
  }

  /**
   * Loads the durable state, records what a changed `--members` list means for it, and starts
   * the member. Rejects with STATE_CORRUPT when the stored state cannot be trusted, and with
   * STATE_UNWRITABLE when the state directory cannot be written (the store's probe) or the
   * start-up state cannot be saved. Aborting `signal` stops timers and input.
   */
  async start(signal: AbortSignal, isEligible = this.options.isEligible ?? true): Promise<void> {
    const durable = await this.options.store.load();
    const { clock, random, config, store } = this.options;
    await store.checkWritable?.();
    const mutations = this.options.mutations ?? {};
    this.requestedEligibility = isEligible;
    const node = createNode({ config, durable, now: clock.now(), random, isEligible, mutations });
    const first = startupPersist(node, durable);
    if (first !== null) await store.save(first);
    this.state = node;
    this.reporter.reportStart(node);
    this.retainContacts(node);
    const unsubscribe = this.options.channel.onMessage((message) => {
      void this.input({ type: 'message', message });
    });
    signal.addEventListener(
      'abort',
      () => {
        this.isStopped = true;
        unsubscribe();
        this.cancelTimer?.();
        this.cancelRetry?.();
      },
      { once: true },
    );
    this.scheduleWake(node.electionDeadline);
  }

  /** Queues one input; inputs are stepped one at a time, in order. */
  input(input: NodeInput): Promise<void> {
    if (input.type !== 'set-eligible') return this.enqueue(() => this.process(input));
    return this.enqueue(() => {
      this.requestedEligibility = input.isEligible;
      return this.process({
        type: 'set-eligible',
        isEligible: input.isEligible && this.storage.current() === null,
      });
    });
  }

  /** The storage fault in force (saves failing), or null while saves succeed. */
  storageFault(): StorageFault | null {
    return this.storage.current();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch((error: unknown) => {
      this.options.logger.error({ event: 'raft.step-failed', err: error }, 'raft step failed');
      this.options.observe({
        type: 'backend-error',
        operation: 'step',
        code: error instanceof ElectorError ? error.code : 'INTERNAL',
      });
    });
    return this.queue;
  }

  /** Leadership at this instant, from the lease and the clock now. */
  leadership(): RaftLeadership | null {
    if (this.state === null) return null;
    const now = this.options.clock.now();
    const shown = leadershipAt(this.state, now);
    // Stopping to act is always safe, so a step that ends leadership counts before its save does.
    if (shown.isSelf && this.unsaved !== null && !isActingLeader(this.unsaved, now)) {
      return { ...shown, isSelf: false, leaseExpiresAt: null };
    }
    return shown;
  }

  /** Resolves once every input queued so far has been stepped (and its state saved). Never rejects. */
  idle(): Promise<void> {
    return this.queue;
  }

  nodeState(): NodeState | null {
    return this.state;
  }

  onChange(listener: (change: LeadershipChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Calls `listener` after every step whose effects were applied (persisted, then sent). */
  onStep(listener: (result: StepResult) => void): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  /** Calls `listener` with every notice of every applied step. */
  onNotice(listener: (notice: StepNotice) => void): () => void {
    return this.onStep((result) => {
      for (const notice of result.notices) listener(notice);
    });
  }

  private async process(input: NodeInput): Promise<void> {
    const previous = this.state;
    if (previous === null || this.isStopped) return;
    const result = step(previous, input, this.options.clock.now(), this.options.random);
    // The new state is shown (this.state) only once it is durable: a reader in between sees the old.
    if (result.persist !== null) {
      if (this.storage.current() !== null) {
        // No save is tried until the retry: nothing that needs one (a vote, a new term) happens.
        this.keepTicking(result.wakeAt);
        return;
      }
      // Vote requests grant and promise nothing, so they leave while the candidate's own vote is
      // being saved; the grants that answer them are stepped only after that save (one input at
      // a time), so no vote counts before it is durable. etcd-io/raft sends MsgVote the same way.
      const early = result.send.filter(isRequestForVotes);
      for (const message of early) this.options.channel.send(message);
      try {
        this.unsaved = result.state;
        await this.options.store.save(result.persist);
      } catch (error) {
        // Nothing that depends on the new durable state has left or shown: the step is forgotten.
        // (Its vote requests may have left; grants for a campaign it forgot count for nothing.)
        this.unsaved = null;
        this.scheduleRetry(this.storage.failed(error));
        await this.process({ type: 'set-eligible', isEligible: false });
        this.keepTicking(result.wakeAt);
        return;
      }
    }
    this.unsaved = null;
    this.state = result.state;
    for (const message of result.send)
      if (result.persist === null || !isRequestForVotes(message))
        this.options.channel.send(message);
    this.reporter.report(previous, result);
    this.retainContacts(result.state);
    for (const listener of this.stepListeners) listener(result);
    if (result.change !== null)
      for (const listener of this.changeListeners) listener(result.change);
    this.scheduleWake(result.wakeAt);
  }

  /** Saves the state it holds again after a failed save; once that succeeds it may vote and lead. */
  private async retrySave(): Promise<void> {
    const state = this.state;
    if (state === null || this.isStopped || this.storage.current() === null) return;
    try {
      await this.options.store.save(durableStateOf(state));
    } catch (error) {
      this.scheduleRetry(this.storage.failed(error));
      return;
    }
    this.storage.succeeded();
    await this.process({ type: 'set-eligible', isEligible: this.requestedEligibility });
  }

  private scheduleRetry(delayMs: number): void {
    if (this.isStopped) return;
    this.cancelRetry?.();
    this.cancelRetry = this.options.clock.setTimer(Math.ceil(delayMs), () => {
      this.cancelRetry = null;
      void this.enqueue(() => this.retrySave());
    });
  }

  /**
   * After a dropped step, makes sure a tick still comes, but not at once: the dropped step's
   * wake-up may lie in the past, and stepping it again would only be dropped again.
   */
  private keepTicking(wakeAt: number): void {
    if (this.cancelTimer !== null) return;
    const soonest = this.options.clock.now() + this.options.config.heartbeatIntervalMs;
    this.scheduleWake(Math.max(wakeAt, soonest));
  }

  /** Tells the transport whom to keep connections to, when that changed. */
  private retainContacts(state: NodeState): void {
    const contacts = contactsOf(state);
    const key = contacts.join('\n');
    if (key === this.contacts) return;
    this.contacts = key;
    this.options.channel.retainPeers?.(contacts);
  }

  private scheduleWake(wakeAt: number): void {
    if (this.isStopped) return;
    // Most inputs (a heartbeat ack, say) leave the wake-up time as it was: keep the timer.
    if (this.cancelTimer !== null && wakeAt === this.timerWakeAt) return;
    this.cancelTimer?.();
    this.timerWakeAt = wakeAt;
    // Timers may fire a little early against the monotonic clock; the core then just asks again.
    const delayMs = Math.max(0, Math.ceil(wakeAt - this.options.clock.now()));
    this.cancelTimer = this.options.clock.setTimer(delayMs, () => {
      this.cancelTimer = null;
      void this.input({ type: 'tick' });
    });
  }
}

/** A (pre-)vote request: asks for a vote and depends on nothing the receiver must trust yet. */
function isRequestForVotes(message: PeerMessage): boolean {
  return message.type === 'vote' || message.type === 'pre-vote';
}
