import {
  compareConfigurationIds,
  describeConfiguration,
  isQuorum,
  isVoter,
  votersOf,
  type Configuration,
  type ConfigurationId,
} from './configuration.js';
import { sayHello } from './discovery.js';
import { becomeLeader } from './leader.js';
import type {
  PreVoteRequest,
  PreVoteResponse,
  TimeoutNow,
  VoteRequest,
  VoteResponse,
} from './messages.js';
import type { NodeState } from './state.js';
import type { StepContext } from './step-context.js';

/** Follower, pre-candidate or candidate whose election deadline has passed. */
export function onElectionTimeout(context: StepContext): void {
  const { state } = context;
  if (!mayCampaign(state)) {
    // Not a voter (joining, removed, or without a configuration): never campaign; ask around.
    context.update({ electionDeadline: context.randomElectionDeadline() });
    sayHello(context);
    return;
  }
  if (!state.isEligible || (state.isLeaving && !isLeaderlessForLong(context))) {
    // It may not lead (unhealthy, or leaving), so it does not campaign; it asks around instead.
    // A leaving member campaigns only after a long silence: it may be the one that holds the
    // configuration the others need, and as leader it removes itself, then hands over.
    context.update({ electionDeadline: context.randomElectionDeadline() });
    sayHello(context);
    return;
  }
  const { roleState } = state;
  if (roleState.role === 'pre-candidate' || roleState.role === 'candidate') {
    context.notice({ type: 'election-finished', result: 'timed-out' });
    if (state.configuration !== null) {
      const silent = votersOf(state.configuration).filter(
        (member) => !roleState.granted.has(member) && member !== context.id,
      );
      context.note(
        `no leader: an election needs a majority of ${describeConfiguration(state.configuration)}, and ${silent.join(', ')} did not grant one; if they are gone, bring them back (a change of the member set needs that majority too)`,
      );
    }
  }
  if (state.mutations.skipPreVote === true) {
    becomeCandidate(context, false);
  } else {
    becomePreCandidate(context);
  }
}

/**
 * A voter of its newest entry campaigns; so does a member that entry leaves out while it does
 * not know the entry committed: it may hold the only copy that lets the change finish (the
 * leader went down right after appending it), and a candidate need not be a voter (Raft §4.2.2).
 * Once it knows the entry committed, it was removed for good and stays quiet.
 */
function mayCampaign(state: NodeState): boolean {
  const { configuration, commitIndex, config } = state;
  if (configuration === null) return false;
  return isVoter(configuration, config.id) || commitIndex < configuration.index;
}

/** How long a leaving member waits without a leader before it campaigns itself. */
const leavingPatienceTimeouts = 3;

function isLeaderlessForLong(context: StepContext): boolean {
  const patienceMs = leavingPatienceTimeouts * context.state.config.electionTimeoutMs;
  return context.now - context.state.lastLeaderContactAt >= patienceMs;
}

/** The other voters of this member's configuration: whom a candidate asks. */
function otherVoters(context: StepContext): readonly string[] {
  return votersOf(context.state.configuration).filter((member) => member !== context.id);
}

/** Thesis §9.6: ask first whether a majority would vote, without touching anyone's term. */
function becomePreCandidate(context: StepContext): void {
  context.update({
    roleState: { role: 'pre-candidate', granted: new Set([context.id]) },
    leader: null,
    succession: null,
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because('election-started');
  context.notice({ type: 'election-started', preVote: true, transfer: false });
  if (hasQuorum(context, new Set([context.id]))) {
    becomeCandidate(context, false);
    return;
  }
  const term = context.state.term + 1;
  for (const peer of otherVoters(context)) {
    context.send({
      type: 'pre-vote',
      from: context.id,
      to: peer,
      term,
      configurationId: context.configurationId,
    });
  }
}

/**
 * Raft §5.2: increment the term, vote for self (persisted before the requests leave), ask for
 * votes. `votedAhead` is a member that already voted for us in the new term (the old leader of
 * a transfer): its vote counts at once and it is not asked again.
 */
function becomeCandidate(
  context: StepContext,
  isTransfer: boolean,
  votedAhead: string | null = null,
): void {
  const term = context.state.term + 1;
  const granted = new Set([context.id]);
  if (votedAhead !== null) granted.add(votedAhead);
  context.update({
    term,
    votedFor: context.id,
    leader: null,
    roleState: { role: 'candidate', granted },
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because('election-started');
  context.notice({ type: 'election-started', preVote: false, transfer: isTransfer });
  if (hasQuorum(context, granted)) {
    context.notice({ type: 'election-finished', result: 'won' });
    becomeLeader(context);
    return;
  }
  for (const peer of otherVoters(context)) {
    if (peer === votedAhead) continue;
    context.send({
      type: 'vote',
      from: context.id,
      to: peer,
      term,
      transfer: isTransfer,
      configurationId: context.configurationId,
    });
  }
}

/** Votes win when they hold a majority of every member set in force (both, in a joint entry). */
function hasQuorum(context: StepContext, granted: ReadonlySet<string>): boolean {
  const { configuration } = context.state;
  return configuration !== null && isQuorum(configuration, granted);
}

/**
 * The election restriction (Raft §5.4.1) for the only replicated state there is: a vote goes
 * only to a candidate whose configuration entry is at least as new as the voter's, so a
 * committed configuration survives every election. A member that is no voter in its own entry
 * (removed, or not yet added) votes only for a strictly newer entry.
 */
function isCandidateUpToDate(context: StepContext, candidate: ConfigurationId): boolean {
  if (context.state.mutations.skipConfigurationCheck === true) return true;
  const order = compareConfigurationIds(candidate, context.configurationId);
  const { configuration } = context.state;
  if (configuration !== null && !isVoter(configuration, context.id)) return order > 0;
  return order >= 0;
}

/**
 * The voter's entry, sent with a refusal when it is known committed and not older than the
 * candidate's: a stale candidate catches up, and one whose equal entry leaves it out learns that
 * entry committed (it was removed) and stops campaigning.
 */
function committedFor(
  context: StepContext,
  candidate: ConfigurationId,
): { configuration?: Configuration } {
  const { configuration, commitIndex } = context.state;
  if (configuration === null || commitIndex < configuration.index) return {};
  return compareConfigurationIds(context.configurationId, candidate) >= 0 ? { configuration } : {};
}

/** Grants a pre-vote only for a higher term, an up-to-date candidate, and when no live leader may rely on us. */
export function onPreVote(context: StepContext, request: PreVoteRequest): void {
  const isUpToDate = isCandidateUpToDate(context, request.configurationId);
  const isLeaseChecked = context.state.mutations.skipPreVoteLeaseCheck !== true;
  const isInLease = isLeaseChecked && context.isWithinLeaderLease();
  const granted = request.term > context.state.term && !isInLease && isUpToDate;
  context.send({
    type: 'pre-vote-response',
    from: context.id,
    to: request.from,
    term: granted ? request.term : context.state.term,
    granted,
    ...(granted ? {} : committedFor(context, request.configurationId)),
  });
}

export function onPreVoteResponse(context: StepContext, response: PreVoteResponse): void {
  const { roleState, term } = context.state;
  if (roleState.role !== 'pre-candidate' || !response.granted || response.term !== term + 1) return;
  const granted = new Set(roleState.granted).add(response.from);
  context.update({ roleState: { role: 'pre-candidate', granted } });
  if (hasQuorum(context, granted)) becomeCandidate(context, false);
}

/**
 * Raft §5.2/§5.4.1: one vote per term, first come first served, and only for an up-to-date
 * candidate. The caller has already applied the term rule, so `request.term` equals our term.
 */
export function onVote(context: StepContext, request: VoteRequest): void {
  const { votedFor, roleState, mutations } = context.state;
  const isUpToDate = isCandidateUpToDate(context, request.configurationId);
  const mayVote =
    votedFor === null || votedFor === request.from || mutations.grantSecondVote === true;
  const granted = roleState.role !== 'leader' && mayVote && isUpToDate;
  if (granted) {
    context.update({ votedFor: request.from, electionDeadline: context.randomElectionDeadline() });
  }
  context.send({
    type: 'vote-response',
    from: context.id,
    to: request.from,
    term: context.state.term,
    granted,
    ...(granted ? {} : committedFor(context, request.configurationId)),
  });
}

export function onVoteResponse(context: StepContext, response: VoteResponse): void {
  const { roleState } = context.state;
  if (roleState.role !== 'candidate' || !response.granted) return;
  const granted = new Set(roleState.granted).add(response.from);
  context.update({ roleState: { role: 'candidate', granted } });
  if (hasQuorum(context, granted)) {
    context.notice({ type: 'election-finished', result: 'won' });
    becomeLeader(context);
  }
}

/**
 * Leadership transfer (thesis §3.10): the old leader has stepped down; campaign now, skipping
 * pre-vote, counting the old leader's vote when it sent one.
 */
export function onTimeoutNow(context: StepContext, message: TimeoutNow): void {
  if (context.state.roleState.role === 'leader') return;
  if (!isVoter(context.state.configuration, context.id)) {
    context.notice({
      type: 'message-ignored',
      reason: `timeout-now from ${message.from}: not a voter`,
    });
    return;
  }
  if (!context.state.isEligible) {
    context.notice({
      type: 'message-ignored',
      reason: `timeout-now from ${message.from}: not eligible`,
    });
    return;
  }
  becomeCandidate(context, true, message.withVote === true ? message.from : null);
}
