import assert from 'node:assert/strict';
import type { RaftConfig } from '../../../../src/core/raft/config.js';
import {
  foundingConfiguration,
  idOf,
  sortedMembers,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import type { HeartbeatResponse, PeerMessage } from '../../../../src/core/raft/messages.js';
import { createNode, step } from '../../../../src/core/raft/node.js';
import {
  initialDurableState,
  type DurableState,
  type NodeState,
} from '../../../../src/core/raft/state.js';
import type { NodeInput, StepResult } from '../../../../src/core/raft/step-types.js';
import { seededRandom, type Random } from '../../../../src/core/random.js';

export const T = 500;
export const H = 100;

export function config(id = 'a', members: readonly string[] = ['a', 'b', 'c']): RaftConfig {
  return { id, members, heartbeatIntervalMs: H, electionTimeoutMs: T, maxClockDrift: 0.05 };
}

/** The founding entry of the default cluster a, b, c. */
export const founded: Configuration = foundingConfiguration(['a', 'b', 'c']);
const foundedId = idOf(founded);

/** The durable state of a member of a founded cluster, with this term and vote. */
export function durable(
  term: number,
  votedFor: string | null,
  members: readonly string[] = ['a', 'b', 'c'],
  configuration: Configuration | null = foundingConfiguration(members),
): DurableState {
  return {
    ...initialDurableState,
    term,
    votedFor,
    configuration,
    startedWith: { members: sortedMembers(members), counter: 0 },
  };
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
      /** Priority settings of this member (default: none). */
      preference?: Pick<RaftConfig, 'priority' | 'priorityHandoverDelayMs'>;
    } = {},
  ) {
    this.random = seededRandom(options.seed ?? 7);
    const members = options.members ?? ['a', 'b', 'c'];
    this.state = createNode({
      config: { ...config(options.id ?? 'a', members), ...options.preference },
      durable: options.durable ?? durable(0, null, members),
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

export function heartbeat(
  from: string,
  to: string,
  term: number,
  sentAt: number,
  extra: Partial<Extract<PeerMessage, { type: 'heartbeat' }>> = {},
): PeerMessage {
  return {
    type: 'heartbeat',
    from,
    to,
    term,
    sentAt,
    configurationId: foundedId,
    commitIndex: 0,
    desireTag: null,
    ...extra,
  };
}

export function ack(
  from: string,
  to: string,
  term: number,
  echo: number,
  eligible = true,
  extra: Partial<Extract<PeerMessage, { type: 'heartbeat-response' }>> = {},
): PeerMessage {
  return {
    type: 'heartbeat-response',
    from,
    to,
    term,
    echo,
    success: true,
    eligible,
    ownList: { members: ['a', 'b', 'c'], counter: 0 },
    configurationId: foundedId,
    desireTag: null,
    ...extra,
  };
}

export function preVote(from: string, to: string, term: number): PeerMessage {
  return { type: 'pre-vote', from, to, term, configurationId: foundedId };
}

export function vote(from: string, to: string, term: number, transfer = false): PeerMessage {
  return { type: 'vote', from, to, term, transfer, configurationId: foundedId };
}

/** A leader of a, b, c whose lease rests on b's acknowledgement of the heartbeat sent at `basis`. */
export function actingLeader(): { leader: Driver; basis: number; now: number } {
  const leader = new Driver();
  const basis = leader.campaignAndWin(0);
  const result = leader.receive(ack('b', 'a', leader.state.term, basis), basis + 1);
  assert.equal(result.change?.isSelf, true, 'the leader acts');
  return { leader, basis, now: basis + 1 };
}

/** The heartbeat acknowledgement `driver` answers a heartbeat from b with. */
export function ackOf(
  driver: Driver,
  extra: Parameters<typeof heartbeat>[4] = {},
  now = 10,
): HeartbeatResponse {
  const result = driver.receive(heartbeat('b', 'a', driver.state.term, 7, extra), now);
  assert.equal(result.send.length, 1);
  const [response] = result.send;
  if (response?.type !== 'heartbeat-response') assert.fail(`expected an acknowledgement`);
  return response;
}

/** The reasons of the message-ignored notices of one step. */
export function ignoredReasons(result: StepResult): string[] {
  return result.notices.flatMap((notice) =>
    notice.type === 'message-ignored' ? [notice.reason] : [],
  );
}
