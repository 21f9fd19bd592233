import { assertNever } from '../errors.js';
import type { Random } from '../random.js';
import { validateRaftConfig, type RaftConfig } from './config.js';
import { foundingConfiguration, sortedMembers } from './configuration.js';
import { listsAtStart } from './desire.js';
import { onHello, onHelloResponse } from './discovery.js';
import {
  onElectionTimeout,
  onPreVote,
  onPreVoteResponse,
  onTimeoutNow,
  onVote,
  onVoteResponse,
} from './election.js';
import { onHeartbeat } from './follower.js';
import { onFound, onFoundingTick, onFoundResponse } from './founding.js';
import { onHeartbeatResponse, onLeaderTick, quorumDeadline, transferLeadership } from './leader.js';
import { isActingLeader, leadershipAt, leaseExpiresAt } from './leadership-view.js';
import { adoptCommitted } from './membership.js';
import { isMembershipDiscovery, type PeerMessage } from './messages.js';
import {
  durableStateOf,
  isSameDurableState,
  type DurableState,
  type NodeState,
  type SafeguardMutations,
} from './state.js';
import { StepContext } from './step-context.js';
import { applyTermRule } from './term-rule.js';
import type { LeadershipChange, NodeInput, StepResult } from './step-types.js';

export interface CreateNodeOptions {
  /** Timing, this member's ID, and its `--members` list (the member set it is started with). */
  readonly config: RaftConfig;
  /**
   * What storage returned at start (`initialDurableState` for a member that never ran).
   * `legacyFormat` marks a state file of elector 0.1, which kept no configuration: such a
   * member ran with its list as a fixed member set, so it starts with that as its founding entry.
   */
  readonly durable: DurableState & { readonly legacyFormat?: boolean };
  /** The member's monotonic clock at start. */
  readonly now: number;
  readonly random: Random;
  readonly isEligible?: boolean;
  readonly mutations?: SafeguardMutations;
}

/**
 * A member after (re)start: a follower that knows no leader. A member that holds a
 * configuration refuses votes for T after start, because before a crash it may have
 * acknowledged a leader whose lease is still live; one without a configuration never
 * acknowledged anyone. Its durable state may differ from `durable` (a changed `--members`
 * list): see `startupPersist`.
 */
export function createNode(options: CreateNodeOptions): NodeState {
  const config = validateRaftConfig(options.config);
  const { durable } = options;
  const timeout = config.electionTimeoutMs;
  const startedWith = sortedMembers(config.members);
  const configuration =
    durable.configuration ??
    (durable.legacyFormat === true ? foundingConfiguration(startedWith) : null);
  const lists = listsAtStart(config.id, startedWith, durable.startedWith, durable.desire);
  const isSticky = configuration !== null && options.mutations?.skipStartupStickiness !== true;
  return {
    config,
    mutations: options.mutations ?? {},
    term: durable.term,
    votedFor: durable.votedFor,
    configuration,
    commitIndex: 0,
    promise: configuration === null ? durable.promise : null,
    startedWith,
    ownCounter: lists.own.counter,
    desire: lists.desire,
    founding: null,
    leader: null,
    roleState: { role: 'follower' },
    electionDeadline: options.now + timeout + Math.floor(options.random() * (timeout + 1)),
    succession: null,
    lastLeaderContactAt: isSticky ? options.now : Number.NEGATIVE_INFINITY,
    isEligible: options.isEligible ?? true,
    isLeaving: false,
    isRemovalConfirmed: false,
    isActing: false,
    membershipNote: null,
  };
}

/** What a new node must persist before its first step, or null when storage already holds it. */
export function startupPersist(node: NodeState, loaded: DurableState): DurableState | null {
  const durable = durableStateOf(node);
  return isSameDurableState(durable, loaded) ? null : durable;
}

/** The single entry point: feeds one input at the member's time `now` and returns its effects. */
export function step(state: NodeState, input: NodeInput, now: number, random: Random): StepResult {
  const context = new StepContext(state, now, random);
  switch (input.type) {
    case 'tick':
      onTick(context);
      break;
    case 'message':
      onMessage(context, input.message);
      break;
    case 'transfer':
      transferLeadership(context, input.to, 'transfer');
      break;
    case 'set-eligible':
      context.update({ isEligible: input.isEligible });
      if (!input.isEligible && context.state.roleState.role === 'leader') {
        transferLeadership(context, undefined, 'ineligible');
      }
      break;
    case 'leave':
      context.update({ isLeaving: true });
      if (context.state.roleState.role === 'leader') {
        transferLeadership(context, undefined, 'ineligible');
      }
      break;
    default:
      assertNever(input);
  }
  return finish(state, context);
}

function onTick(context: StepContext): void {
  if (context.state.roleState.role === 'leader') {
    onLeaderTick(context);
    return;
  }
  if (context.state.configuration === null) onFoundingTick(context);
  if (context.now >= context.state.electionDeadline) onElectionTimeout(context);
}

function onMessage(context: StepContext, message: PeerMessage): void {
  if (message.to !== context.id || message.from === context.id) {
    context.notice({
      type: 'message-ignored',
      reason: `${message.type} from "${message.from}" to "${message.to}": not for this member`,
    });
    return;
  }
  if (isMembershipDiscovery(message)) {
    onDiscovery(context, message);
    return;
  }
  // A committed entry is a fact whatever the term: a refusal from a lower term still teaches a
  // member whose term ran ahead (a removed member that campaigned) where the cluster stands.
  if (message.type === 'pre-vote-response' || message.type === 'vote-response') {
    adoptCommitted(context, message.configuration);
  }
  if (!applyTermRule(context, message)) return;
  switch (message.type) {
    case 'pre-vote':
      onPreVote(context, message);
      break;
    case 'pre-vote-response':
      onPreVoteResponse(context, message);
      break;
    case 'vote':
      onVote(context, message);
      break;
    case 'vote-response':
      onVoteResponse(context, message);
      break;
    case 'heartbeat':
      onHeartbeat(context, message);
      break;
    case 'heartbeat-response':
      if (context.state.roleState.role === 'leader') onHeartbeatResponse(context, message);
      break;
    case 'timeout-now':
      onTimeoutNow(context, message);
      break;
    default:
      assertNever(message);
  }
}

function onDiscovery(
  context: StepContext,
  message: Extract<PeerMessage, { type: 'found' | 'found-response' | 'hello' | 'hello-response' }>,
): void {
  switch (message.type) {
    case 'found':
      onFound(context, message);
      break;
    case 'found-response':
      onFoundResponse(context, message);
      break;
    case 'hello':
      onHello(context, message);
      break;
    case 'hello-response':
      onHelloResponse(context, message);
      break;
    default:
      assertNever(message);
  }
}

function finish(previous: NodeState, context: StepContext): StepResult {
  const { now } = context;
  const isActing = isActingLeader(context.state, now);
  if (isActing !== context.state.isActing) {
    if (context.reason === null) context.because(isActing ? 'lease-acquired' : 'lease-expired');
    context.update({ isActing });
  }
  const { state } = context;
  return {
    state,
    persist: context.durableChanged ? durableStateOf(state) : null,
    send: context.outbox,
    change: leadershipChange(previous, context),
    notices: context.notices,
    wakeAt: nextWake(context),
  };
}

function leadershipChange(previous: NodeState, context: StepContext): LeadershipChange | null {
  const { state, now } = context;
  const isChanged =
    previous.term !== state.term ||
    previous.leader !== state.leader ||
    previous.roleState.role !== state.roleState.role ||
    previous.isActing !== state.isActing;
  if (!isChanged) return null;
  return { ...leadershipAt(state, now), reason: context.reason ?? 'started' };
}

function nextWake(context: StepContext): number {
  const { state } = context;
  if (state.roleState.role !== 'leader') {
    return Math.min(state.electionDeadline, state.founding?.nextAttemptAt ?? Infinity);
  }
  const checkQuorumAt =
    state.mutations.skipCheckQuorum === true ? Number.POSITIVE_INFINITY : quorumDeadline(context);
  const wake = Math.min(state.roleState.nextHeartbeatAt, checkQuorumAt);
  const expiresAt = leaseExpiresAt(state);
  return state.isActing && expiresAt !== null ? Math.min(wake, expiresAt) : wake;
}
