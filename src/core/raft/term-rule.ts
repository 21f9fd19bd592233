// Raft's term rule (§5.1), which every message but membership discovery passes before its
// handler, with the leader stickiness that may refuse a higher term's vote request.
import { assertNever } from '../errors.js';
import { acknowledgement } from './follower.js';
import type { PeerMessage } from './messages.js';
import type { StepContext } from './step-context.js';

/** Every message that carries a term: all but membership discovery. */
export type TermMessage = Exclude<
  PeerMessage,
  { type: 'found' | 'found-response' | 'hello' | 'hello-response' }
>;

/**
 * Raft §5.1, checked once before any handler: a higher term makes us a follower in it (and
 * clears the vote) before we reply; a lower term is answered with ours or ignored. Returns
 * whether the message goes on to its handler.
 */
export function applyTermRule(context: StepContext, message: TermMessage): boolean {
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
      succession: null,
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

function answerStaleMessage(context: StepContext, message: TermMessage): void {
  const { term } = context.state;
  const reply = { from: context.id, to: message.from, term } as const;
  switch (message.type) {
    case 'heartbeat':
      // Tells a stale leader our higher term so it steps down (and a member whose term ran
      // ahead during a partition is not stuck forever: etcd raft does the same).
      context.send(acknowledgement(context, message, false, null));
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
