import type { RaftConfig } from '../../core/raft/config.js';
import { foundingConfiguration } from '../../core/raft/configuration.js';
import { leadershipAt } from '../../core/raft/leadership-view.js';
import { hasLeft } from '../../core/raft/membership-view.js';
import type { PeerMessage } from '../../core/raft/messages.js';
import { createNode, step } from '../../core/raft/node.js';
import { initialDurableState, type NodeState } from '../../core/raft/state.js';
import type { NodeInput } from '../../core/raft/step-types.js';
import { seededRandom } from '../../core/random.js';
import { validateDurableState } from './storage/durable-state-schema.js';
import { encodeSlot, encodeSlotPayload, slotSizeFor } from './storage/state-slots.js';
import { decodePeerMessage, encodePeerMessage } from './transport/wire.js';

const members = ['rehearsal-a', 'rehearsal-b', 'rehearsal-c'] as const;

/** How far the rehearsal got: who acted as leader, in order; whether the leaver was removed. */
export interface RehearsalOutcome {
  readonly leaders: readonly string[];
  readonly isLeaverRemoved: boolean;
  readonly messages: number;
}

/**
 * Runs a leadership change once on a throwaway in-memory cluster of three, through the same
 * code a real one takes: an election, heartbeats, a handover to a named member, a member
 * leaving and its removal; every message through the wire codec and every save through the
 * state-file encoding. No I/O, no timers, no effect on the member's own state.
 *
 * Why: V8 compiles a function the first time it runs and zod compiles a schema the first time
 * it parses, so a member that takes over for the first time paid for both on the handover's
 * critical path (several milliseconds of a graceful handover, measured with a CPU profile of
 * the successor). Paying it at start-up moves that cost off the path.
 */
export function rehearseLeadershipChange(
  timing: Pick<RaftConfig, 'heartbeatIntervalMs' | 'electionTimeoutMs' | 'maxClockDrift'>,
): RehearsalOutcome {
  const random = seededRandom(1);
  const durable = {
    ...initialDurableState,
    configuration: foundingConfiguration(members),
    startedWith: { members, counter: 0 },
  };
  const nodes = new Map<string, NodeState>(
    members.map((id) => [
      id,
      createNode({ config: { ...timing, id, members }, durable, now: 0, random }),
    ]),
  );
  const queue: PeerMessage[] = [];
  const leaders: string[] = [];
  let messages = 0;
  let now = 0;

  const feed = (id: string, input: NodeInput): void => {
    const state = nodes.get(id);
    if (state === undefined) return;
    const result = step(state, input, now, random);
    nodes.set(id, result.state);
    if (result.persist !== null) {
      const payload = encodeSlotPayload(validateDurableState(result.persist));
      encodeSlot(payload, 1, slotSizeFor(payload));
    }
    for (const message of result.send) {
      const decoded = decodePeerMessage(encodePeerMessage(message));
      if (decoded.ok) queue.push(decoded.message);
    }
    const view = leadershipAt(result.state, now);
    if (view.isSelf && leaders.at(-1) !== id) leaders.push(id);
  };
  const deliver = (): void => {
    for (let guard = 0; queue.length > 0 && guard < 1_000; guard++) {
      const message = queue.shift();
      if (message === undefined) break;
      messages += 1;
      feed(message.to, { type: 'message', message });
    }
  };
  const runUntil = (isDone: () => boolean): void => {
    for (let round = 0; round < 200 && !isDone(); round++) {
      now += timing.heartbeatIntervalMs / 2;
      for (const id of members) feed(id, { type: 'tick' });
      deliver();
    }
  };

  runUntil(() => leaders.length > 0);
  const first = leaders.at(-1);
  const successor = members.find((id) => id !== first) ?? members[1];
  if (first !== undefined) feed(first, { type: 'transfer', to: successor });
  deliver();
  runUntil(() => leaders.at(-1) === successor);
  const leaver = members.find((id) => id !== successor && id !== first) ?? members[2];
  feed(leaver, { type: 'leave' });
  const isLeaverRemoved = (): boolean => {
    const state = nodes.get(leaver);
    return state !== undefined && hasLeft(state);
  };
  runUntil(isLeaverRemoved);
  return { leaders, isLeaverRemoved: isLeaverRemoved(), messages };
}
