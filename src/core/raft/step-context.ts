import type { Random } from '../random.js';
import { idOf } from './configuration.js';
import type { PeerMessage } from './messages.js';
import type { NodeState } from './state.js';
import type { ChangeReason, StepNotice } from './step-types.js';

const durableKeys = [
  'term',
  'votedFor',
  'configuration',
  'promise',
  'startedWith',
  'desire',
] as const satisfies readonly (keyof NodeState)[];

/**
 * Collects the effects of one step. The input state is never mutated: each change replaces
 * `state` with a new object, and `finish` in node.ts turns the collection into a StepResult.
 */
export class StepContext {
  state: NodeState;
  readonly now: number;
  readonly random: Random;
  readonly outbox: PeerMessage[] = [];
  readonly notices: StepNotice[] = [];
  durableChanged = false;
  reason: ChangeReason | null = null;

  constructor(state: NodeState, now: number, random: Random) {
    this.state = state;
    this.now = now;
    this.random = random;
  }

  update(changes: Partial<NodeState>): void {
    for (const key of durableKeys) {
      if (key in changes && changes[key] !== this.state[key]) this.durableChanged = true;
    }
    this.state = { ...this.state, ...changes };
  }

  send(message: PeerMessage): void {
    this.outbox.push(message);
  }

  notice(notice: StepNotice): void {
    this.notices.push(notice);
  }

  because(reason: ChangeReason): void {
    this.reason = reason;
  }

  /** Records why membership is waiting; a change of note is reported once. */
  note(text: string | null): void {
    if (text === this.state.membershipNote) return;
    this.update({ membershipNote: text });
    if (text !== null) this.notice({ type: 'membership-waiting', reason: text });
  }

  get id(): string {
    return this.state.config.id;
  }

  get configurationId(): { readonly index: number; readonly term: number } {
    return idOf(this.state.configuration);
  }

  /** A fresh election deadline, uniformly in [T, 2T] from now (Raft §5.2). */
  randomElectionDeadline(): number {
    const timeout = this.state.config.electionTimeoutMs;
    return this.now + timeout + Math.floor(this.random() * (timeout + 1));
  }

  /** Leader stickiness (thesis §9.6 with check-quorum): a live leader may still rely on our ack. */
  isWithinLeaderLease(): boolean {
    if (this.state.mutations.skipLeaderStickiness === true) return false;
    if (this.state.roleState.role === 'leader') return true;
    return this.now - this.state.lastLeaderContactAt < this.state.config.electionTimeoutMs;
  }
}
