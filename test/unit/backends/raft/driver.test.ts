import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { ignoreElectionEvents } from '../../../../src/core/election-events.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import type { DurableState } from '../../../../src/core/raft/state.js';
import { seededRandom } from '../../../../src/core/random.js';
import { RaftDriver, type MessageChannel } from '../../../../src/backends/raft/driver.js';
import type { DurableStateStore } from '../../../../src/backends/raft/storage/durable-state-store.js';
import { systemClock } from '../../../../src/runtime/system-clock.js';
import { waitFor } from '../../../../lab/wait-for.js';
import { durable, vote } from '../../core/raft/fixtures.js';

/** Records the order of saves and sends; each save waits until released. */
function harness(): {
  events: string[];
  store: DurableStateStore;
  channel: MessageChannel;
  deliver: (message: PeerMessage) => void;
  release: () => void;
} {
  const events: string[] = [];
  const pending: (() => void)[] = [];
  let handler: (message: PeerMessage) => void = () => undefined;
  let saved: DurableState = durable(0, null);
  return {
    events,
    store: {
      load: () => Promise.resolve(saved),
      save: (state) =>
        new Promise<void>((resolve) => {
          events.push(`save-start t${state.term} ${state.votedFor ?? '-'}`);
          pending.push(() => {
            saved = state;
            events.push(`save-done t${state.term}`);
            resolve();
          });
        }),
    },
    channel: {
      send: (message) => events.push(`send ${message.type} t${message.term}`),
      onMessage: (next) => {
        handler = next;
        return () => undefined;
      },
    },
    deliver: (message) => {
      handler(message);
    },
    release: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

test('a vote is made durable before the reply that depends on it is sent', async () => {
  const { events, store, channel, deliver, release } = harness();
  let now = 10_000;
  const driver = new RaftDriver({
    config: {
      id: 'a',
      members: ['a', 'b', 'c'],
      heartbeatIntervalMs: 100,
      electionTimeoutMs: 500,
      maxClockDrift: 0.05,
    },
    store,
    channel,
    clock: {
      now: () => now,
      setTimer: (delayMs, callback) => systemClock.setTimer(delayMs, callback),
    },
    random: seededRandom(1),
    logger: pino({ level: 'silent' }),
    observe: ignoreElectionEvents,
  });
  const controller = new AbortController();
  await driver.start(controller.signal);
  now += 1000; // past the start-up stickiness window
  deliver(vote('b', 'a', 3));
  await waitFor(() => events.includes('save-start t3 b'), {
    timeoutMs: 2000,
    what: 'the save to start',
  });
  assert.ok(
    !events.some((event) => event.startsWith('send')),
    'nothing is sent while the vote is not durable',
  );
  release();
  await waitFor(() => events.includes('send vote-response t3'), {
    timeoutMs: 2000,
    what: 'the reply',
  });
  assert.ok(events.indexOf('save-done t3') < events.indexOf('send vote-response t3'));
  controller.abort();
});
