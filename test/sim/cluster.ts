import type { RaftTiming } from '../../src/core/raft/config.js';
import { isQuorum, type Configuration } from '../../src/core/raft/configuration.js';
import { leaseExpiresAt } from '../../src/core/raft/leadership-view.js';
import type { PeerMessage } from '../../src/core/raft/messages.js';
import { createNode, startupPersist, step } from '../../src/core/raft/node.js';
import {
  initialDurableState,
  type DurableState,
  type NodeState,
  type SafeguardMutations,
} from '../../src/core/raft/state.js';
import type { NodeInput } from '../../src/core/raft/step-types.js';
import { randomInt, type Random } from '../../src/core/random.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker } from './invariants.js';
import { describeInput, describeNotice } from './trace.js';

export interface NetworkConditions {
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const perfectNetwork: NetworkConditions = {
  dropProbability: 0,
  duplicateProbability: 0,
  minDelayMs: 0.5,
  maxDelayMs: 2,
};

/** Every member ID the simulator may use: a StatefulSet of up to seven pods. */
export const memberPool: readonly string[] = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];

/** A `--priority` in 0..3 for every member of the pool (ties, zeros and strict orders all occur). */
export function priorityPerMember(random: Random): Record<string, number> {
  return Object.fromEntries(memberPool.map((id) => [id, randomInt(random, 0, 3)]));
}

export interface ClusterOptions {
  /** The `--members` list the first pods start with (they start with empty state and found). */
  readonly initialMembers: readonly string[];
  readonly timing: RaftTiming;
  readonly network: NetworkConditions;
  readonly random: Random;
  readonly mutations?: SafeguardMutations;
  /** Simulates a store that does not keep the vote: a restarted member forgets whom it voted for. */
  readonly forgetVoteOnRestart?: boolean;
  readonly traceLimit?: number;
  /** Chance that a member crashes and restarts right after persisting a vote (stresses vote persistence). */
  readonly crashAfterVoteProbability?: number;
  /** False turns off the "one founding" check, so a mutation test can look for the harm it prevents. */
  readonly checkFounding?: boolean;
  /**
   * Pins members' clocks to an edge of the drift bound instead of a random rate: −1 the slowest
   * rate allowed, +1 the fastest, 0 exactly real time (directed scenarios).
   */
  readonly clockSkew?: Readonly<Record<string, -1 | 0 | 1>>;
  /** Each member's `--priority` (absent: 0). */
  readonly priorities?: Readonly<Record<string, number>>;
  readonly priorityHandoverDelayMs?: number;
  /** Sees every message a member sends, before the network drops, delays or copies it. */
  readonly onSend?: (message: PeerMessage) => void;
}

/** Draws no chance: every election timer it sets is the earliest allowed, T. */
const earliest: Random = () => 0;

type SimEvent =
  | { readonly kind: 'deliver'; readonly message: PeerMessage }
  | { readonly kind: 'wake'; readonly node: string; readonly version: number };

interface SimNode {
  readonly id: string;
  /** The pod exists: a crashed one comes back with the heal; a deleted one does not. */
  exists: boolean;
  isUp: boolean;
  isPaused: boolean;
  pending: SimEvent[];
  /** Local clock = offset + rate × real time. */
  readonly offset: number;
  readonly rate: number;
  /** The `--members` list the pod runs with. */
  members: readonly string[];
  /** The pod is being scaled away: it asked to leave, and asks again after a restart. */
  isLeaving: boolean;
  state: NodeState | null;
  durable: DurableState;
  wakeVersion: number;
  scheduledWakeAt: number;
}

/**
 * Pure Raft members on a simulated network, driven by one seeded Random and a virtual clock.
 * Pods come and go as a StatefulSet's do: created (with empty or retained state), restarted
 * with another `--members` list, deleted. Every step is checked by the InvariantChecker; the
 * first violation stops the run.
 */
export class SimCluster {
  now = 0;
  violation: string | null = null;
  readonly ids: readonly string[] = memberPool;
  readonly checker: InvariantChecker;
  private readonly nodes = new Map<string, SimNode>();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly blocked = new Set<string>();
  private readonly trace: string[] = [];
  private readonly earliestTimers = new Set<string>();
  /** Who became a candidate in each term: more than one is a split vote. */
  private readonly candidatesOfTerm = new Map<number, Set<string>>();
  /** Links whose every message takes this long, whatever the network conditions say. */
  private readonly linkDelaysMs = new Map<string, number>();
  private network: NetworkConditions;
  readonly clockRateSpread: number;

  constructor(private readonly options: ClusterOptions) {
    this.network = options.network;
    const drift = options.timing.maxClockDrift;
    // Rates in [1 − ρ, 1 + ρ] with (1 − ρ)/(1 + ρ) ≥ 1 − drift: the worst pair of clocks stays within the bound.
    this.clockRateSpread = (drift / (2 - drift)) * 0.999;
    this.checker = new InvariantChecker(
      options.timing.electionTimeoutMs / (1 - this.clockRateSpread),
      options.checkFounding ?? true,
    );
    for (const id of this.ids) {
      const drawn = options.random() * 2 - 1;
      const rate = 1 + (options.clockSkew?.[id] ?? drawn) * this.clockRateSpread;
      this.nodes.set(id, {
        id,
        exists: false,
        isUp: false,
        isPaused: false,
        pending: [],
        offset: options.random() * 1_000_000,
        rate,
        members: options.initialMembers,
        isLeaving: false,
        state: null,
        durable: initialDurableState,
        wakeVersion: 0,
        scheduledWakeAt: Number.NaN,
      });
    }
    for (const id of options.initialMembers) this.createPod(id, options.initialMembers, true);
  }

  private get random(): Random {
    return this.options.random;
  }

  /** The chance a member's steps draw from: none for one whose timers are pinned to the earliest. */
  private randomOf(node: SimNode): Random {
    return this.earliestTimers.has(node.id) ? earliest : this.random;
  }

  /** From now on these members' election timers (and only theirs) fire at the earliest, T. */
  pinTimersToEarliest(ids: readonly string[]): void {
    this.earliestTimers.clear();
    for (const id of ids) this.earliestTimers.add(id);
    if (ids.length > 0) this.record(`EARLIEST TIMERS ${ids.join(',')}`);
  }

  private node(id: string): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Member `id`'s own clock now. */
  localTimeOf(id: string): number {
    return this.localNow(this.node(id));
  }

  private localNow(node: SimNode): number {
    return node.offset + node.rate * this.now;
  }

  private realOf(node: SimNode, local: number): number {
    return (local - node.offset) / node.rate;
  }

  private start(node: SimNode): void {
    node.isUp = true;
    node.isPaused = false;
    node.pending = [];
    const { priorities, priorityHandoverDelayMs } = this.options;
    const state = createNode({
      config: {
        ...this.options.timing,
        id: node.id,
        members: node.members,
        priority: priorities?.[node.id] ?? 0,
        ...(priorityHandoverDelayMs === undefined ? {} : { priorityHandoverDelayMs }),
      },
      durable: node.durable,
      now: this.localNow(node),
      random: this.randomOf(node),
      ...(this.options.mutations === undefined ? {} : { mutations: this.options.mutations }),
    });
    node.durable = startupPersist(state, node.durable) ?? node.durable;
    node.state = state;
    this.scheduleWake(node, state.electionDeadline);
    if (node.isLeaving) this.input(node.id, { type: 'leave' });
  }

  private scheduleWake(node: SimNode, wakeAtLocal: number): void {
    if (wakeAtLocal === node.scheduledWakeAt) return;
    node.scheduledWakeAt = wakeAtLocal;
    node.wakeVersion += 1;
    let at = Math.max(this.now, this.realOf(node, wakeAtLocal));
    // Rounding must never wake a node just before its deadline, or it would sleep again at once.
    while (node.offset + node.rate * at < wakeAtLocal) at += 1e-6;
    this.queue.push(at, { kind: 'wake', node: node.id, version: node.wakeVersion });
  }

  record(line: string): void {
    const limit = this.options.traceLimit ?? 400;
    if (limit === 0) return;
    this.trace.push(`${this.now.toFixed(3)} ${line}`);
    if (this.trace.length > limit) this.trace.splice(0, this.trace.length - limit);
  }

  /** The first violation found, or null; a method so callers re-read it after each run. */
  currentViolation(): string | null {
    return this.violation;
  }

  recentTrace(): readonly string[] {
    return this.trace;
  }

  /** Feeds one input to a running node and applies its effects: persist, then send, then check. */
  input(id: string, input: NodeInput): void {
    const node = this.node(id);
    const state = node.state;
    if (!node.isUp || node.isPaused || state === null || this.violation !== null) return;
    const result = step(state, input, this.localNow(node), this.randomOf(node));
    if (result.persist !== null) node.durable = result.persist;
    node.state = result.state;
    if (result.state.roleState.role === 'candidate') this.countCandidate(id, result.state.term);
    if (input.type !== 'message' || result.change !== null || result.persist !== null) {
      const next = result.state;
      this.record(
        `${id} ${describeInput(input)} -> ${next.roleState.role} t${next.term} leader=${next.leader ?? '-'}${next.isActing ? ' acting' : ''} cfg=${next.configuration?.index ?? 0}/${next.configuration?.term ?? 0}${result.notices.map(describeNotice).join('')}`,
      );
    }
    const crashesAfterPersist =
      result.persist?.votedFor !== undefined &&
      result.persist.votedFor !== null &&
      result.persist.votedFor !== id &&
      result.persist.votedFor !== state.votedFor &&
      this.random() < (this.options.crashAfterVoteProbability ?? 0);
    for (const message of result.send) {
      this.options.onSend?.(message);
      this.send(message);
    }
    const expiresAt = leaseExpiresAt(result.state);
    const leaseEndReal =
      result.state.isActing && expiresAt !== null ? this.realOf(node, expiresAt) : null;
    this.violation ??= this.checker.afterStep(id, result, leaseEndReal, this.now);
    if (input.type === 'tick' && result.state.roleState.role === 'leader') {
      const configuration = result.state.configuration;
      this.violation ??= this.checker.checkQuorumContact(
        id,
        (contacts) => configuration !== null && isQuorum(configuration, contacts),
        this.now,
      );
    }
    this.scheduleWake(node, result.wakeAt);
    if (crashesAfterPersist) {
      this.crash(id);
      this.restart(id);
    }
  }

  private countCandidate(id: string, term: number): void {
    const candidates = this.candidatesOfTerm.get(term) ?? new Set<string>();
    candidates.add(id);
    this.candidatesOfTerm.set(term, candidates);
  }

  /** Terms in which more than one member stood as a candidate (split votes), and terms with any. */
  electionCounts(): { readonly split: number; readonly contested: number } {
    const sizes = [...this.candidatesOfTerm.values()].map((candidates) => candidates.size);
    return { split: sizes.filter((size) => size > 1).length, contested: sizes.length };
  }

  private isLinkBlocked(from: string, to: string): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  private send(message: PeerMessage): void {
    if (this.isLinkBlocked(message.from, message.to)) return;
    const copies = this.random() < this.network.duplicateProbability ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      if (this.random() < this.network.dropProbability) continue;
      const { minDelayMs, maxDelayMs } = this.network;
      const drawn = minDelayMs + this.random() * (maxDelayMs - minDelayMs);
      const delay = this.linkDelaysMs.get(`${message.from}>${message.to}`) ?? drawn;
      this.queue.push(this.now + delay, { kind: 'deliver', message });
    }
  }

  /** Runs events until `time` (inclusive) or the first violation. */
  runUntil(time: number, stopWhen?: () => boolean): void {
    let eventsAtThisInstant = 0;
    for (;;) {
      if (this.violation !== null || stopWhen?.() === true) return;
      const next = this.queue.peekTime();
      if (next === undefined || next > time) break;
      const event = this.queue.pop();
      if (event === undefined) break;
      eventsAtThisInstant = event.time === this.now ? eventsAtThisInstant + 1 : 0;
      if (eventsAtThisInstant > 10_000) {
        this.violation = `busy loop: more than 10000 events at instant ${this.now}`;
        return;
      }
      this.now = event.time;
      this.dispatch(event.item);
    }
    this.now = Math.max(this.now, time);
  }

  private dispatch(event: SimEvent): void {
    const target = event.kind === 'deliver' ? event.message.to : event.node;
    const node = this.node(target);
    if (!node.isUp) return;
    if (event.kind === 'wake' && event.version !== node.wakeVersion) return;
    if (node.isPaused) {
      node.pending.push(event);
      return;
    }
    if (event.kind === 'wake') {
      node.scheduledWakeAt = Number.NaN;
      this.input(target, { type: 'tick' });
      return;
    }
    const { message } = event;
    if (this.isLinkBlocked(message.from, message.to)) return;
    if (message.type === 'heartbeat-response' && message.success) {
      this.checker.onAckDelivered(message.to, message.from, message.term, this.now);
    }
    this.input(target, { type: 'message', message });
  }

  /** A pod appears (scale-up, or re-created after a deletion): with its retained state, or empty. */
  createPod(id: string, members: readonly string[], isEmpty: boolean): void {
    const node = this.node(id);
    if (node.exists) return;
    node.exists = true;
    node.isLeaving = false;
    node.members = members;
    if (isEmpty) node.durable = initialDurableState;
    this.record(
      `${id} CREATE with [${members.join(',')}]${isEmpty ? ' empty' : ' retained state'}`,
    );
    this.start(node);
  }

  /** A pod is deleted (scale-down): it stops, keeps its volume, and does not come back by itself. */
  deletePod(id: string): void {
    const node = this.node(id);
    if (!node.exists) return;
    this.crash(id);
    node.exists = false;
    this.record(`${id} DELETE`);
  }

  /** The pod is told it is being scaled away (elector's SIGTERM handling for a condemned pod). */
  leave(id: string): void {
    const node = this.node(id);
    if (!node.exists || node.isLeaving) return;
    node.isLeaving = true;
    this.record(`${id} LEAVING`);
    this.input(id, { type: 'leave' });
  }

  isLeaving(id: string): boolean {
    return this.node(id).isLeaving;
  }

  /** The durable state of every pod in the pool, existing or deleted (volumes are retained). */
  durableOf(id: string): DurableState {
    return this.node(id).durable;
  }

  /** A rolling update restarts the pod with a new `--members` list. */
  restartWith(id: string, members: readonly string[]): void {
    const node = this.node(id);
    if (!node.exists) return;
    this.crash(id);
    node.members = members;
    // A pod being scaled away that the new list wants again is re-created by the controller.
    node.isLeaving = false;
    this.restart(id);
  }

  crash(id: string): void {
    const node = this.node(id);
    if (!node.isUp) return;
    this.record(`${id} CRASH`);
    node.isUp = false;
    node.state = null;
    node.pending = [];
    node.wakeVersion += 1;
    node.scheduledWakeAt = Number.NaN;
    this.checker.onCrash(id, this.now);
  }

  restart(id: string): void {
    const node = this.node(id);
    if (node.isUp || !node.exists) return;
    if (this.options.forgetVoteOnRestart === true)
      node.durable = { ...node.durable, votedFor: null };
    this.record(
      `${id} RESTART with [${node.members.join(',')}] term ${node.durable.term} vote ${node.durable.votedFor ?? '-'} cfg ${node.durable.configuration?.index ?? 0}`,
    );
    this.start(node);
  }

  /** SIGSTOP: the node's clock runs on, but it processes nothing until resumed. */
  pause(id: string): void {
    const node = this.node(id);
    if (!node.isUp || node.isPaused) return;
    this.record(`${id} PAUSE`);
    node.isPaused = true;
  }

  resume(id: string): void {
    const node = this.node(id);
    if (!node.isUp || !node.isPaused) return;
    this.record(`${id} RESUME with ${node.pending.length} queued events`);
    node.isPaused = false;
    const pending = node.pending;
    node.pending = [];
    node.scheduledWakeAt = Number.NaN;
    for (const event of pending) {
      if (event.kind === 'deliver') this.dispatch(event);
    }
    if (node.isLeaving && node.state?.isLeaving === false) this.input(id, { type: 'leave' });
    this.input(id, { type: 'tick' });
  }

  block(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts every link between `group` and the rest, both ways. */
  isolate(group: readonly string[]): void {
    this.record(`PARTITION ${group.join(',')} | rest`);
    for (const inside of group) {
      for (const outside of this.ids) {
        if (group.includes(outside)) continue;
        this.block(inside, outside);
        this.block(outside, inside);
      }
    }
  }

  /** Every message from `from` to `to` takes `delayMs` until the network heals. */
  delayLink(from: string, to: string, delayMs: number): void {
    this.record(`SLOW LINK ${from}>${to} ${delayMs}ms`);
    this.linkDelaysMs.set(`${from}>${to}`, delayMs);
  }

  healNetwork(network: NetworkConditions = this.network): void {
    this.record('HEAL network');
    this.blocked.clear();
    this.linkDelaysMs.clear();
    this.network = network;
  }

  setNetwork(network: NetworkConditions): void {
    this.network = network;
  }

  exists(id: string): boolean {
    return this.node(id).exists;
  }

  /** The pods that exist now. */
  existing(): readonly string[] {
    return this.ids.filter((id) => this.node(id).exists);
  }

  membersOf(id: string): readonly string[] {
    return this.node(id).members;
  }

  isUp(id: string): boolean {
    return this.node(id).isUp;
  }

  isPaused(id: string): boolean {
    return this.node(id).isPaused;
  }

  stateOf(id: string): NodeState | null {
    return this.node(id).state;
  }

  configurationOf(id: string): Configuration | null {
    return this.node(id).state?.configuration ?? null;
  }

  /** The member currently acting as leader, if any. */
  actingLeader(): string | null {
    for (const id of this.ids) {
      const state = this.node(id).state;
      if (state?.isActing === true && !this.node(id).isPaused) return id;
    }
    return null;
  }
}
