import { quorumSize } from './config.js';
import { becomeLeader } from './leader.js';
import type {
  PreVoteRequest,
  PreVoteResponse,
  TimeoutNow,
  VoteRequest,
  VoteResponse,
} from './messages.js';
import type { StepContext } from './step-context.js';

/** Follower, pre-candidate or candidate whose election deadline has passed. */
export function onElectionTimeout(context: StepContext): void {
  const { state } = context;
  if (!state.isEligible) {
    context.update({ electionDeadline: context.randomElectionDeadline() });
    return;
  }
  if (state.roleState.role === 'pre-candidate' || state.roleState.role === 'candidate') {
    context.notice({ type: 'election-finished', result: 'timed-out' });
  }
  if (state.mutations.skipPreVote === true) {
    becomeCandidate(context, false);
  } else {
    becomePreCandidate(context);
  }
}

/** Thesis §9.6: ask first whether a majority would vote, without touching anyone's term. */
function becomePreCandidate(context: StepContext): void {
  context.update({
    roleState: { role: 'pre-candidate', granted: new Set([context.id]) },
    leader: null,
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because('election-started');
  context.notice({ type: 'election-started', preVote: true, transfer: false });
  if (hasQuorum(context, 1)) {
    becomeCandidate(context, false);
    return;
  }
  const term = context.state.term + 1;
  for (const peer of context.peers) {
    context.send({ type: 'pre-vote', from: context.id, to: peer, term });
  }
}

/** Raft §5.2: increment the term, vote for self (persisted before the requests leave), ask for votes. */
export function becomeCandidate(context: StepContext, isTransfer: boolean): void {
  const term = context.state.term + 1;
  context.update({
    term,
    votedFor: context.id,
    leader: null,
    roleState: { role: 'candidate', granted: new Set([context.id]) },
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because('election-started');
  context.notice({ type: 'election-started', preVote: false, transfer: isTransfer });
  if (hasQuorum(context, 1)) {
    context.notice({ type: 'election-finished', result: 'won' });
    becomeLeader(context);
    return;
  }
  for (const peer of context.peers) {
    context.send({ type: 'vote', from: context.id, to: peer, term, transfer: isTransfer });
  }
}

function hasQuorum(context: StepContext, votes: number): boolean {
  return votes >= quorumSize(context.state.config.members.length);
}

/** Grants a pre-vote only for a higher term and only when no live leader may rely on us. Changes no state. */
export function onPreVote(context: StepContext, request: PreVoteRequest): void {
  const granted = request.term > context.state.term && !context.isWithinLeaderLease();
  context.send({
    type: 'pre-vote-response',
    from: context.id,
    to: request.from,
    term: granted ? request.term : context.state.term,
    granted,
  });
}

export function onPreVoteResponse(context: StepContext, response: PreVoteResponse): void {
  const { roleState, term } = context.state;
  if (roleState.role !== 'pre-candidate' || !response.granted || response.term !== term + 1) return;
  const granted = new Set(roleState.granted).add(response.from);
  context.update({ roleState: { role: 'pre-candidate', granted } });
  if (hasQuorum(context, granted.size)) becomeCandidate(context, false);
}

/**
 * Raft §5.2/§5.4.1 without a log: one vote per term, first come first served. The caller has
 * already applied the term rule, so `request.term` equals our term here.
 */
export function onVote(context: StepContext, request: VoteRequest): void {
  const { votedFor, roleState } = context.state;
  const granted = roleState.role !== 'leader' && (votedFor === null || votedFor === request.from);
  if (granted) {
    context.update({ votedFor: request.from, electionDeadline: context.randomElectionDeadline() });
  }
  context.send({
    type: 'vote-response',
    from: context.id,
    to: request.from,
    term: context.state.term,
    granted,
  });
}

export function onVoteResponse(context: StepContext, response: VoteResponse): void {
  const { roleState } = context.state;
  if (roleState.role !== 'candidate' || !response.granted) return;
  const granted = new Set(roleState.granted).add(response.from);
  context.update({ roleState: { role: 'candidate', granted } });
  if (hasQuorum(context, granted.size)) {
    context.notice({ type: 'election-finished', result: 'won' });
    becomeLeader(context);
  }
}

/** Leadership transfer (thesis §3.10): the old leader has stepped down; campaign now, skipping pre-vote. */
export function onTimeoutNow(context: StepContext, message: TimeoutNow): void {
  if (context.state.roleState.role === 'leader') return;
  if (!context.state.isEligible) {
    context.notice({
      type: 'message-ignored',
      reason: `timeout-now from ${message.from}: not eligible`,
    });
    return;
  }
  becomeCandidate(context, true);
}
