import { assertNever } from '../errors.js';
import type { Random } from '../random.js';
import { validateRaftConfig, type RaftConfig } from './config.js';
import {
  onElectionTimeout,
  onPreVote,
  onPreVoteResponse,
  onTimeoutNow,
  onVote,
  onVoteResponse,
} from './election.js';
import { onHeartbeatResponse, onLeaderTick, quorumDeadline, transferLeadership } from './leader.js';
import { isActingLeader, leadershipAt, leaseExpiresAt } from './leadership-view.js';
import type { Heartbeat, PeerMessage } from './messages.js';
import type { DurableState, NodeState, SafeguardMutations } from './state.js';
import { StepContext } from './step-context.js';
import type { LeadershipChange, NodeInput, StepResult } from './step-types.js';

export interface CreateNodeOptions {
  readonly config: RaftConfig;
  /** What storage returned at start; term 0 and no vote for a member that never ran. */
  readonly durable: DurableState;
  /** The member's monotonic clock at start. */
  readonly now: number;
  readonly random: Random;
  readonly isEligible?: boolean;
  readonly mutations?: SafeguardMutations;
}

/**
 * A member after (re)start: a follower that knows no leader. It refuses votes for T after
 * start, because before a crash it may have acknowledged a leader whose lease is still live.
 */
export function createNode(options: CreateNodeOptions): NodeState {
  const config = validateRaftConfig(options.config);
  const timeout = config.electionTimeoutMs;
  return {
    config,
    mutations: options.mutations ?? {},
    term: options.durable.term,
    votedFor: options.durable.votedFor,
    leader: null,
    roleState: { role: 'follower' },
    electionDeadline: options.now + timeout + Math.floor(options.random() * (timeout + 1)),
    lastLeaderContactAt:
      options.mutations?.skipStartupStickiness === true ? Number.NEGATIVE_INFINITY : options.now,
    isEligible: options.isEligible ?? true,
    isActing: false,
  };
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
    default:
      assertNever(input);
  }
  return finish(state, context);
}

function onTick(context: StepContext): void {
  if (context.state.roleState.role === 'leader') {
    onLeaderTick(context);
  } else if (context.now >= context.state.electionDeadline) {
    onElectionTimeout(context);
  }
}

function onMessage(context: StepContext, message: PeerMessage): void {
  const { config } = context.state;
  if (
    message.to !== config.id ||
    message.from === config.id ||
    !config.members.includes(message.from)
  ) {
    context.notice({
      type: 'message-ignored',
      reason: `${message.type} from "${message.from}" to "${message.to}": not for this member`,
    });
    return;
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

/**
 * Raft §5.1, checked once before any handler: a higher term makes us a follower in it (and
 * clears the vote) before we reply; a lower term is answered with ours or ignored. Returns
 * whether the message goes on to its handler.
 */
function applyTermRule(context: StepContext, message: PeerMessage): boolean {
  const { term } = context.state;
  if (message.term > term) {
    if (message.type === 'pre-vote' || (message.type === 'pre-vote-response' && message.granted)) {
      return true;
    }
    if (message.type === 'vote' && refusesVoteInLease(context, message.transfer)) {
      context.send({
        type: 'vote-response',
        from: context.id,
        to: message.from,
        term,
        granted: false,
      });
      return false;
    }
    context.update({
      term: message.term,
      votedFor: null,
      leader: null,
      roleState: { role: 'follower' },
    });
    context.because('higher-term');
    return true;
  }
  if (message.term < term) {
    answerStaleMessage(context, message);
    return false;
  }
  return true;
}

/**
 * Leader stickiness: while a leader's lease may rest on our ack, a vote request for a higher
 * term is refused without adopting that term. A transfer request skips this (its leader has
 * stopped acting) unless we lead ourselves, which a genuine transfer never meets.
 */
function refusesVoteInLease(context: StepContext, isTransfer: boolean): boolean {
  if (context.state.roleState.role === 'leader') return true;
  return !isTransfer && context.isWithinLeaderLease();
}

function answerStaleMessage(context: StepContext, message: PeerMessage): void {
  const { term } = context.state;
  const reply = { from: context.id, to: message.from, term } as const;
  switch (message.type) {
    case 'heartbeat':
      // Tells a stale leader our higher term so it steps down (and a member whose term ran
      // ahead during a partition is not stuck forever: etcd raft does the same).
      context.send({
        ...reply,
        type: 'heartbeat-response',
        echo: message.sentAt,
        success: false,
        eligible: context.state.isEligible,
      });
      break;
    case 'pre-vote':
      context.send({ ...reply, type: 'pre-vote-response', granted: false });
      break;
    case 'vote':
      context.send({ ...reply, type: 'vote-response', granted: false });
      break;
    case 'pre-vote-response':
    case 'vote-response':
    case 'heartbeat-response':
    case 'timeout-now':
      break;
    default:
      assertNever(message);
  }
}

function onHeartbeat(context: StepContext, heartbeat: Heartbeat): void {
  const { roleState, leader } = context.state;
  if (roleState.role === 'leader') {
    context.notice({
      type: 'message-ignored',
      reason: `heartbeat from "${heartbeat.from}" in our own term`,
    });
    return;
  }
  if (roleState.role !== 'follower') context.notice({ type: 'election-finished', result: 'lost' });
  if (leader !== heartbeat.from) context.because('leader-discovered');
  context.update({
    roleState: { role: 'follower' },
    leader: heartbeat.from,
    lastLeaderContactAt: context.now,
    electionDeadline: context.randomElectionDeadline(),
  });
  context.send({
    type: 'heartbeat-response',
    from: context.id,
    to: heartbeat.from,
    term: context.state.term,
    echo: heartbeat.sentAt,
    success: true,
    eligible: context.state.isEligible,
  });
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
    persist: context.durableChanged ? { term: state.term, votedFor: state.votedFor } : null,
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
  if (state.roleState.role !== 'leader') return state.electionDeadline;
  const checkQuorumAt =
    state.mutations.skipCheckQuorum === true ? Number.POSITIVE_INFINITY : quorumDeadline(context);
  const wake = Math.min(state.roleState.nextHeartbeatAt, checkQuorumAt);
  const expiresAt = leaseExpiresAt(state);
  return state.isActing && expiresAt !== null ? Math.min(wake, expiresAt) : wake;
}
