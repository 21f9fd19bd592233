import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import {
  candidacyMarginMs,
  candidacyStepMs,
  deadlineAfterHeartbeat,
  knownPriority,
  rankedCandidacyDelayMs,
  successionOrder,
  successionRanks,
} from '../../../../src/core/raft/succession.js';
import { ack, config, Driver, H, heartbeat, T } from './fixtures.js';

const timing = config();
const lease = T * (1 - 0.05);

function sentOf(messages: readonly PeerMessage[], type: PeerMessage['type']): PeerMessage[] {
  return messages.filter((message) => message.type === type);
}

test('rank 1 campaigns half a heartbeat after T, and each next rank one heartbeat later', () => {
  assert.equal(candidacyMarginMs(timing), H / 2);
  assert.equal(candidacyStepMs(timing), H);
  assert.equal(rankedCandidacyDelayMs(timing, 1, 0), T + H / 2);
  assert.equal(rankedCandidacyDelayMs(timing, 2, 0), T + H / 2 + H);
  assert.equal(rankedCandidacyDelayMs(timing, 4, 0), T + H / 2 + 3 * H);
});

test('the jitter stays inside a quarter step, so two ranks never share an instant', () => {
  for (let rank = 1; rank < 6; rank++) {
    const latest = rankedCandidacyDelayMs(timing, rank, 0.999999);
    const nextEarliest = rankedCandidacyDelayMs(timing, rank + 1, 0);
    assert.ok(latest < rankedCandidacyDelayMs(timing, rank, 0) + H / 4);
    assert.ok(nextEarliest - latest > (3 * H) / 4, `rank ${rank} against rank ${rank + 1}`);
  }
});

test('the draw spreads a rank over the first quarter of its slot', () => {
  // A quarter step is 25 ms: a draw of one half starts the rank 12 ms into its slot.
  const start = rankedCandidacyDelayMs(timing, 2, 0);
  assert.equal(rankedCandidacyDelayMs(timing, 2, 0.5), start + 12);
  assert.equal(rankedCandidacyDelayMs(timing, 2, 0.999999), start + H / 4 - 1);
});

test('the shared-slot mutation puts every rank at the same instant', () => {
  const mutations = { shareCandidacySlot: true };
  assert.equal(
    rankedCandidacyDelayMs(timing, 1, 0.9, mutations),
    rankedCandidacyDelayMs(timing, 3, 0.1, mutations),
  );
});

/** A leader of a, b, c (priority of b and c as given) that heard both acknowledge at `at`. */
function leaderWith(priorities: { b?: number; c?: number }): { leader: Driver; at: number } {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  const term = leader.state.term;
  for (const peer of ['b', 'c'] as const) {
    const priority = priorities[peer];
    leader.receive(
      ack(peer, 'a', term, at, true, priority === undefined ? {} : { priority }),
      at + 1,
    );
  }
  return { leader, at };
}

test('the leader ranks eligible live voters by priority, then by ID', () => {
  assert.deepEqual(successionOrder(leaderWith({}).leader.state, 10), ['b', 'c']);
  const { leader, at } = leaderWith({ c: 5 });
  assert.deepEqual(successionOrder(leader.state, at + 1), ['c', 'b']);
  assert.deepEqual(successionOrder(leaderWith({ b: 3, c: 3 }).leader.state, 10), ['b', 'c']);
});

test('equal priorities rank by ID whatever order the acknowledgements came in', () => {
  const leader = new Driver({ members: ['a', 'b', 'c', 'd', 'e'] });
  const at = leader.campaignAndWin(0);
  const term = leader.state.term;
  for (const [index, peer] of ['e', 'd', 'c', 'b'].entries()) {
    leader.receive(ack(peer, 'a', term, at, true, { priority: 2 }), at + 1 + index);
  }
  assert.deepEqual(successionOrder(leader.state, at + 5), ['b', 'c', 'd', 'e']);
});

test('a member that acknowledges but is no voter (one being added) is not in line', () => {
  const { leader, at } = leaderWith({});
  leader.receive(ack('d', 'a', leader.state.term, at, true, { priority: 9 }), at + 2);
  assert.deepEqual(successionOrder(leader.state, at + 3), ['b', 'c']);
});

test('only a leader has a succession order of its own', () => {
  const follower = new Driver({ id: 'b' });
  follower.receive(heartbeat('a', 'b', 1, 0, { succession: ['b', 'c'] }), 1000);
  assert.equal(follower.state.roleState.role, 'follower');
  assert.deepEqual(successionOrder(follower.state, 1000), []);
});

test('an acknowledgement exactly a lease old still counts', () => {
  const { leader, at } = leaderWith({ c: 5 });
  assert.deepEqual(successionOrder(leader.state, at + lease), ['c', 'b']);
});

test('a peer that withdrew, is leaving, or went silent for a lease is out of line', () => {
  const { leader, at } = leaderWith({ c: 5 });
  const term = leader.state.term;
  leader.receive(ack('c', 'a', term, at + 1, false), at + 2);
  assert.deepEqual(successionOrder(leader.state, at + 2), ['b']);
  leader.receive(ack('c', 'a', term, at + 2, true, { leaving: true }), at + 3);
  assert.deepEqual(successionOrder(leader.state, at + 3), ['b']);
  assert.deepEqual(successionOrder(leader.state, at + lease + 0.5), []);
});

test('a peer of an older version, which reports no priority, counts as priority 0', () => {
  const { leader } = leaderWith({ b: 1 });
  assert.deepEqual(successionOrder(leader.state, 10), ['b', 'c']);
  const { leader: other } = leaderWith({ b: 0, c: 1 });
  assert.deepEqual(successionOrder(other.state, 10), ['c', 'b']);
});

test('every heartbeat of a round carries the same succession order', () => {
  const { leader } = leaderWith({ c: 5 });
  const { roleState } = leader.state;
  const round = leader.tick(roleState.role === 'leader' ? roleState.nextHeartbeatAt : 0);
  const orders = sentOf(round.send, 'heartbeat').map((message) =>
    message.type === 'heartbeat' ? message.succession : undefined,
  );
  assert.deepEqual(orders, [
    ['c', 'b'],
    ['c', 'b'],
  ]);
});

test('an acknowledgement carries the priority only when one is set', () => {
  const plain = new Driver({ id: 'b' });
  const [unset] = plain.receive(heartbeat('a', 'b', 1, 0), 0).send;
  assert.equal(unset?.type === 'heartbeat-response' && 'priority' in unset, false);
  const preferred = new Driver({ id: 'b', preference: { priority: 7 } });
  const [set] = preferred.receive(heartbeat('a', 'b', 1, 0), 0).send;
  assert.equal(set?.type === 'heartbeat-response' ? set.priority : undefined, 7);
});

test('a ranked follower sets its deadline to its slot after the heartbeat', () => {
  for (const [id, rank] of [
    ['b', 1],
    ['c', 2],
  ] as const) {
    const follower = new Driver({ id });
    const state = follower.receive(
      heartbeat('a', id, 1, 0, { succession: ['b', 'c'] }),
      1000,
    ).state;
    const earliest = 1000 + T + H / 2 + (rank - 1) * H;
    assert.ok(
      state.electionDeadline >= earliest && state.electionDeadline < earliest + H / 4,
      `${id}: deadline ${state.electionDeadline}, slot from ${earliest}`,
    );
    assert.deepEqual(state.succession, ['b', 'c']);
  }
});

test('a follower without a rank draws its deadline from all of [T, 2T]', () => {
  const { state } = new Driver({ id: 'c' });
  assert.equal(deadlineAfterHeartbeat(state, 1000, 0, ['b']), 1000 + T);
  assert.equal(deadlineAfterHeartbeat(state, 1000, 0.5, null), 1000 + T + 250);
  assert.equal(deadlineAfterHeartbeat(state, 1000, 0.999999, null), 1000 + 2 * T);
});

test('a follower without a rank falls back to a random deadline in [T, 2T]', () => {
  const cases: readonly Partial<Extract<PeerMessage, { type: 'heartbeat' }>>[] = [
    {},
    { succession: ['b'] },
  ];
  for (const extra of cases) {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const follower = new Driver({ id: 'c', seed });
      const { electionDeadline } = follower.receive(heartbeat('a', 'c', 1, 0, extra), 1000).state;
      assert.ok(electionDeadline >= 1000 + T && electionDeadline <= 1000 + 2 * T);
      seen.add(electionDeadline);
    }
    assert.ok(seen.size > 20, 'spread over the range, not one slot');
  }
});

test('the skip-ranked-candidacy switch ignores the rank', () => {
  const follower = new Driver({ id: 'b', seed: 3 });
  follower.state = { ...follower.state, mutations: { skipRankedCandidacy: true } };
  const deadlines = [1, 2, 3, 4, 5, 6].map(
    (at) =>
      follower.receive(heartbeat('a', 'b', 1, at, { succession: ['b'] }), at * 1000).state
        .electionDeadline -
      at * 1000,
  );
  assert.ok(
    deadlines.some((delay) => delay > T + H),
    `random delays ${deadlines.join(', ')}`,
  );
});

test('a follower forgets the order when a higher term deposes its leader', () => {
  const follower = new Driver({ id: 'b' });
  follower.receive(heartbeat('a', 'b', 1, 0, { succession: ['b', 'c'] }), 1000);
  const { state } = follower.receive(heartbeat('c', 'b', 2, 0), 1100);
  assert.equal(state.succession, null);
  assert.equal(state.leader, 'c');
});

test('ranks as each member reports them: 0 the leader, then the order; the rest not in line', () => {
  const { leader, at } = leaderWith({ c: 5 });
  assert.deepEqual(
    [...successionRanks(leader.state, at + 1)],
    [
      ['a', 0],
      ['c', 1],
      ['b', 2],
    ],
  );
  const follower = new Driver({ id: 'b' });
  follower.receive(heartbeat('a', 'b', 1, 0, { succession: ['c'] }), 1000);
  assert.deepEqual(
    [...successionRanks(follower.state, 1000)],
    [
      ['a', 0],
      ['c', 1],
    ],
  );
  assert.deepEqual([...successionRanks(new Driver().state, 0)], []);
});

test('a follower whose leader sent no order (an older version) ranks only the leader', () => {
  const follower = new Driver({ id: 'b' });
  follower.receive(heartbeat('a', 'b', 1, 0), 1000);
  assert.deepEqual([...successionRanks(follower.state, 1000)], [['a', 0]]);
});

test('a member knows its own priority, and a leader the priority each peer last reported', () => {
  assert.equal(knownPriority(new Driver({ preference: { priority: 7 } }).state, 'a'), 7);
  assert.equal(knownPriority(new Driver().state, 'a'), 0, 'unset is 0');
  const { leader } = leaderWith({ c: 5 });
  assert.equal(knownPriority(leader.state, 'c'), 5);
  assert.equal(knownPriority(leader.state, 'b'), 0, 'a peer that reports none');
  assert.equal(knownPriority(leader.state, 'd'), null, 'a member that never acknowledged');
  const follower = new Driver({ id: 'b', preference: { priority: 3 } });
  follower.receive(heartbeat('a', 'b', 1, 0, { succession: ['b', 'c'] }), 1000);
  assert.equal(knownPriority(follower.state, 'b'), 3);
  assert.equal(knownPriority(follower.state, 'c'), null, 'a follower does not know its peers');
});
