import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idOf } from '../../../../src/core/raft/configuration.js';
import { tagOf } from '../../../../src/core/raft/desire.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import type { StepResult } from '../../../../src/core/raft/step-types.js';
import { ack, Driver, durable, founded, H, T } from './fixtures.js';

type Heartbeat = Extract<PeerMessage, { type: 'heartbeat' }>;

function heartbeatsOf(result: StepResult): Heartbeat[] {
  return result.send.flatMap((message) => (message.type === 'heartbeat' ? [message] : []));
}

function recipientsOf(result: StepResult): string[] {
  return heartbeatsOf(result).map((message) => message.to);
}

/** `peer`'s acknowledgement of the heartbeat `leader` sent at `echo`, holding the leader's entry and desire. */
function ackOf(leader: Driver, peer: string, echo: number, leaving = false): PeerMessage {
  return ack(peer, leader.state.config.id, leader.state.term, echo, true, {
    configurationId: idOf(leader.state.configuration),
    desireTag: tagOf(leader.state.desire),
    ...(leaving ? { leaving: true } : {}),
  });
}

/** The step in which `leader` won its election (its first heartbeat round). */
function wonStep(leader: Driver): StepResult {
  assert.ok(leader.last !== null && leader.state.roleState.role === 'leader');
  return leader.last;
}

/** A heartbeat round of `leader` at `now` that b and c acknowledge at once; returns whom it went to. */
function round(leader: Driver, now: number): string[] {
  const result = leader.tick(now);
  const recipients = recipientsOf(result);
  for (const voter of ['b', 'c']) {
    if (recipients.includes(voter)) leader.receive(ackOf(leader, voter, now), now);
  }
  assert.equal(leader.state.roleState.role, 'leader');
  return recipients;
}

test('the first heartbeats of a new leader carry its entry in full, and no desire or succession it lacks', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  assert.equal(leader.state.desire, null);
  assert.deepEqual(heartbeatsOf(wonStep(leader)), [
    {
      type: 'heartbeat',
      from: 'a',
      to: 'b',
      term: 1,
      sentAt: at,
      configurationId: { index: 1, term: 0 },
      commitIndex: 0,
      desireTag: null,
      configuration: founded,
    },
    {
      type: 'heartbeat',
      from: 'a',
      to: 'c',
      term: 1,
      sentAt: at,
      configurationId: { index: 1, term: 0 },
      commitIndex: 0,
      desireTag: null,
      configuration: founded,
    },
  ]);
});

test('a peer that acknowledged the leader entry and desire gets only their tags; one that did not gets them in full', () => {
  // A very first start: the member's list is its desire, stamped with counter 0.
  const leader = new Driver({ durable: { ...durable(0, null), startedWith: null } });
  const at = leader.campaignAndWin(0);
  const { desire } = leader.state;
  assert.deepEqual(desire, { members: ['a', 'b', 'c'], counter: 0, author: 'a' });
  leader.receive(ackOf(leader, 'b', at), at + 1);
  const configuration = leader.state.configuration;
  const [toB, toC] = heartbeatsOf(leader.tick(at + H));
  assert.equal(toB?.to, 'b');
  assert.deepEqual(toB.configurationId, idOf(configuration), 'b acknowledged this entry');
  assert.equal('configuration' in toB, false);
  assert.equal('desire' in toB, false);
  assert.deepEqual(toB.desireTag, { counter: 0, author: 'a' });
  assert.equal(toC?.to, 'c');
  assert.deepEqual(toC.configuration, configuration);
  assert.deepEqual(toC.desire, desire);
});

test("a peer that acknowledged a desire as new as the leader's is not sent the leader's again; one with an older desire is", () => {
  // Every member's very first start: each holds its own list, stamped with counter 0, which is
  // newer than no other and changes nothing; sending it every round was 80 bytes of nothing.
  const leader = new Driver({ durable: { ...durable(0, null), startedWith: null } });
  const at = leader.campaignAndWin(0);
  const own = (author: string, counter: number) => ({ counter, author });
  const acknowledged = (peer: string, desireTag: { counter: number; author: string } | null) =>
    ack(peer, 'a', leader.state.term, at, true, {
      configurationId: idOf(leader.state.configuration),
      desireTag,
    });
  leader.receive(acknowledged('b', own('b', 0)), at + 1);
  leader.receive(acknowledged('c', null), at + 1);
  const [toB, toC] = heartbeatsOf(leader.tick(at + 1 + H));
  assert.equal(toB?.to, 'b');
  assert.equal('desire' in toB, false, 'b holds a first-start list of its own');
  assert.deepEqual(toC?.desire, leader.state.desire, 'c holds none');
  // A list stamped later (a restart with another --members) is newer: it goes to every peer.
  const restarted = new Driver({
    members: ['a', 'b', 'c', 'd', 'e'],
    durable: durable(0, null, ['a', 'b', 'c']),
  });
  const since = restarted.campaignAndWin(0);
  assert.ok((restarted.state.desire?.counter ?? 0) > 0);
  restarted.receive(
    ack('b', 'a', restarted.state.term, since, true, {
      configurationId: idOf(restarted.state.configuration),
      desireTag: own('b', 0),
    }),
    since + 1,
  );
  const toRestartedB = heartbeatsOf(restarted.tick(since + H)).find(({ to }) => to === 'b');
  assert.deepEqual(toRestartedB?.desire, restarted.state.desire);
});

test('a leader also sends heartbeats to the members its lists would add', () => {
  // a restarts with d and e added to its list: a desire of its own, while the entry is still a, b, c.
  const listed = ['a', 'b', 'c', 'd', 'e'];
  const leader = new Driver({ members: listed, durable: durable(0, null, ['a', 'b', 'c']) });
  leader.campaignAndWin(0);
  assert.deepEqual(leader.state.configuration?.voters, ['a', 'b', 'c']);
  assert.deepEqual(recipientsOf(wonStep(leader)), ['b', 'c', 'd', 'e']);
});

test('a leader keeps sending heartbeats to an outsider for ten election timeouts after it last answered or said hello, and to a leaving one until it is gone', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  round(leader, at);
  // d, outside the entry, answered the heartbeat of `at`; e did too, saying it leaves.
  leader.receive(ackOf(leader, 'd', at), at);
  leader.receive(ackOf(leader, 'e', at, true), at);
  assert.deepEqual(round(leader, at + H), ['b', 'c', 'd', 'e']);
  // f said hello just after the round at `at + H`.
  leader.receive(
    {
      type: 'hello',
      from: 'f',
      to: 'a',
      term: 0,
      configurationId: { index: 0, term: 0 },
      desireTag: null,
    },
    at + H,
  );
  assert.deepEqual(round(leader, at + 2 * H), ['b', 'c', 'd', 'e', 'f']);
  let now = at + 2 * H;
  for (now += H; now < at + 10 * T; now += H) round(leader, now);
  assert.deepEqual(
    round(leader, at + 10 * T),
    ['b', 'c', 'd', 'e', 'f'],
    'd: ten timeouts to the ms',
  );
  assert.deepEqual(
    round(leader, at + 10 * T + H),
    ['b', 'c', 'e', 'f'],
    'f: ten timeouts to the ms',
  );
  assert.deepEqual(round(leader, at + 10 * T + 2 * H), ['b', 'c', 'e']);
});
