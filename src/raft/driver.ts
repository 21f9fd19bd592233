import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { ElectionObserver } from '../core/election-events.js';
import { ElectorError } from '../core/errors.js';
import type { RaftConfig } from '../core/raft/config.js';
import { leadershipAt, type RaftLeadership } from '../core/raft/leadership-view.js';
import type { PeerMessage } from '../core/raft/messages.js';
import { createNode, step } from '../core/raft/node.js';
import type { NodeState, SafeguardMutations } from '../core/raft/state.js';
import type {
  LeadershipChange,
  NodeInput,
  StepNotice,
  StepResult,
} from '../core/raft/step-types.js';
import type { Random } from '../core/random.js';
import type { DurableStateStore } from './storage/durable-state-store.js';

/** The part of the peer transport the driver needs. */
export interface MessageChannel {
  send(message: PeerMessage): void;
  onMessage(handler: (message: PeerMessage) => void): () => void;
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
}

/**
 * Runs the pure core against real time, storage and network: feeds it ticks at the instants it
 * asks for and the messages that arrive, one input at a time, and for each step makes the
 * term and vote durable BEFORE sending the messages that depend on them.
 */
export class RaftDriver {
  private state: NodeState | null = null;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timerWakeAt = Number.NaN;
  private readonly changeListeners = new Set<(change: LeadershipChange) => void>();
  private readonly noticeListeners = new Set<(notice: StepNotice) => void>();
  private isStopped = false;

  constructor(private readonly options: RaftDriverOptions) {}

  /**
   * Loads the durable state and starts the member. Rejects with STATE_CORRUPT when the stored
   * term and vote cannot be trusted. Aborting `signal` stops timers and input.
   */
  async start(signal: AbortSignal, isEligible = this.options.isEligible ?? true): Promise<void> {
    const durable = await this.options.store.load();
    const { clock, random, config, logger } = this.options;
    const mutations = this.options.mutations ?? {};
    this.state = createNode({ config, durable, now: clock.now(), random, isEligible, mutations });
    logger.info(
      {
        event: 'raft.started',
        term: durable.term,
        votedFor: durable.votedFor,
        members: config.members,
      },
      'raft member started',
    );
    const unsubscribe = this.options.channel.onMessage((message) => {
      void this.input({ type: 'message', message });
    });
    signal.addEventListener(
      'abort',
      () => {
        this.isStopped = true;
        unsubscribe();
        if (this.timer !== null) clearTimeout(this.timer);
      },
      { once: true },
    );
    this.scheduleWake(this.state.electionDeadline);
  }

  /** Queues one input; inputs are stepped one at a time, in order. */
  input(input: NodeInput): Promise<void> {
    const run = this.queue.then(() => this.process(input));
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
    return this.state === null ? null : leadershipAt(this.state, this.options.clock.now());
  }

  nodeState(): NodeState | null {
    return this.state;
  }

  onChange(listener: (change: LeadershipChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onNotice(listener: (notice: StepNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private async process(input: NodeInput): Promise<void> {
    const previous = this.state;
    if (previous === null || this.isStopped) return;
    const result = step(previous, input, this.options.clock.now(), this.options.random);
    this.state = result.state;
    if (result.persist !== null) {
      try {
        await this.options.store.save(result.persist);
      } catch (error) {
        // Nothing that depends on the new term or vote has left: forget the step entirely.
        this.state = previous;
        this.options.logger.error(
          { event: 'raft.persist-failed', err: error },
          'could not persist term and vote; the step was dropped',
        );
        this.options.observe({
          type: 'backend-error',
          operation: 'persist',
          code: error instanceof ElectorError ? error.code : 'STATE_UNWRITABLE',
        });
        this.scheduleWake(previous.electionDeadline);
        return;
      }
    }
    for (const message of result.send) this.options.channel.send(message);
    this.report(previous, result);
    this.scheduleWake(result.wakeAt);
  }

  private report(previous: NodeState, result: StepResult): void {
    for (const notice of result.notices) {
      this.observeNotice(notice);
      for (const listener of this.noticeListeners) listener(notice);
    }
    const { change } = result;
    if (change === null) return;
    if (change.reason === 'quorum-lost') this.options.observe({ type: 'quorum-lost' });
    this.options.logger.info(
      {
        event: 'leadership.changed',
        backend: 'raft',
        role: change.role,
        term: change.term,
        leader: change.leader,
        previousLeader: previous.leader,
        isActing: change.isSelf,
        fencingToken: change.fencingToken.toString(),
        reason: change.reason,
      },
      `role ${change.role}, term ${change.term}, leader ${change.leader ?? 'unknown'} (${change.reason})`,
    );
    for (const listener of this.changeListeners) listener(change);
  }

  private observeNotice(notice: StepNotice): void {
    const { observe, logger } = this.options;
    switch (notice.type) {
      case 'election-started':
        if (!notice.preVote) observe({ type: 'election-started' });
        break;
      case 'election-finished':
        observe({ type: 'election-finished', result: notice.result });
        break;
      case 'transfer-started':
        observe({ type: 'transfer', result: 'started' });
        logger.info(
          { event: 'transfer.started', to: notice.to },
          `handing leadership to ${notice.to}`,
        );
        break;
      case 'transfer-refused':
        observe({ type: 'transfer', result: 'refused' });
        logger.warn(
          { event: 'transfer.refused', reason: notice.reason },
          `leadership transfer refused: ${notice.reason}`,
        );
        break;
      case 'message-ignored':
        logger.debug({ event: 'message.ignored', reason: notice.reason }, 'peer message ignored');
        break;
    }
  }

  private scheduleWake(wakeAt: number): void {
    if (this.isStopped) return;
    // Most inputs (a heartbeat ack, say) leave the wake-up time as it was: keep the timer.
    if (this.timer !== null && wakeAt === this.timerWakeAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerWakeAt = wakeAt;
    // Timers may fire a little early against the monotonic clock; the core then just asks again.
    const delayMs = Math.max(0, Math.ceil(wakeAt - this.options.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.input({ type: 'tick' });
    }, delayMs);
  }
}
