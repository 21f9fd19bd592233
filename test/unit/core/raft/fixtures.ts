import type { RaftConfig } from '../../../../src/core/raft/config.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, step } from '../../../../src/core/raft/node.js';
import type { DurableState, NodeState } from '../../../../src/core/raft/state.js';
import type { NodeInput, StepResult } from '../../../../src/core/raft/step-types.js';
import { seededRandom, type Random } from '../../../../src/core/random.js';

export const T = 500;
export const H = 100;

export function config(id = 'a', members: readonly string[] = ['a', 'b', 'c']): RaftConfig {
  return { id, members, heartbeatIntervalMs: H, electionTimeoutMs: T, maxClockDrift: 0.05 };
}

/** A member driven by hand: each call feeds one input at an explicit time. */
export class Driver {
  state: NodeState;
  last: StepResult | null = null;
  readonly random: Random;

  constructor(
    options: {
      id?: string;
      members?: readonly string[];
      durable?: DurableState;
      now?: number;
      seed?: number;
    } = {},
  ) {
    this.random = seededRandom(options.seed ?? 7);
    this.state = createNode({
      config: config(options.id ?? 'a', options.members ?? ['a', 'b', 'c']),
      durable: options.durable ?? { term: 0, votedFor: null },
      now: options.now ?? 0,
      random: this.random,
    });
  }

  feed(input: NodeInput, now: number): StepResult {
    const result = step(this.state, input, now, this.random);
    this.state = result.state;
    this.last = result;
    return result;
  }

  tick(now: number): StepResult {
    return this.feed({ type: 'tick' }, now);
  }

  receive(message: PeerMessage, now: number): StepResult {
    return this.feed({ type: 'message', message }, now);
  }

  /** Ticks at the election deadline, grants every pre-vote and vote asked for, and returns the time reached. */
  campaignAndWin(now: number): number {
    let time = Math.max(now, this.state.electionDeadline);
    let pending = [...this.tick(time).send];
    while (pending.length > 0 && this.state.roleState.role !== 'leader') {
      const request = pending.shift();
      if (request?.type !== 'pre-vote' && request?.type !== 'vote') continue;
      const type = request.type === 'pre-vote' ? 'pre-vote-response' : 'vote-response';
      const result = this.receive(
        { type, from: request.to, to: request.from, term: request.term, granted: true },
        ++time,
      );
      pending = [...pending, ...result.send];
    }
    return time;
  }
}

export function heartbeat(from: string, to: string, term: number, sentAt: number): PeerMessage {
  return { type: 'heartbeat', from, to, term, sentAt };
}

export function ack(
  from: string,
  to: string,
  term: number,
  echo: number,
  eligible = true,
): PeerMessage {
  return { type: 'heartbeat-response', from, to, term, echo, success: true, eligible };
}
