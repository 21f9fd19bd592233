import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  idOf,
  isVoter,
  type Configuration,
  type ConfigurationId,
} from '../../../../src/core/raft/configuration.js';
import type { HeartbeatResponse, PeerMessage } from '../../../../src/core/raft/messages.js';
import { hasLeft, membershipOf } from '../../../../src/core/raft/membership-view.js';
import { durableStateOf, type DurableState } from '../../../../src/core/raft/state.js';
import type { StepNotice, StepResult } from '../../../../src/core/raft/step-types.js';
import { desireAuthorSilenceTimeouts } from '../../../../src/core/raft/config.js';
import { ack, Driver, durable, founded, H, heartbeat, T, vote } from './fixtures.js';
import { ledCluster } from './cluster.js';
import { Network } from './network.js';

const three = ['a', 'b', 'c'];
const five = ['a', 'b', 'c', 'd', 'e'];

/** Restarts `id` with a new --members list, keeping its durable state. */
function restartWith(net: Network, id: string, members: readonly string[], now: number): void {
  const kept = durableStateOf(net.member(id).state);
  net.members.delete(id);
  net.add(id, members, kept, now);
}

test('a new leader commits an entry of its own term before anything else (thesis §4.3 fix)', () => {
  const { net } = ledCluster();
  const a = net.member('a');
  assert.deepEqual(idOf(a.state.configuration), { index: 2, term: a.state.term });
  assert.equal(a.state.configuration?.version, 1, 'same members, same version');
  assert.equal(a.state.commitIndex, 2);
});

test('3 -> 5: a joint entry first, once a majority of the new set answers heartbeats; then the final entry', () => {
  const { net, now: start } = ledCluster();
  const a = net.member('a');
  net.add('d', five, undefined, start);
  net.add('e', five, undefined, start);
  restartWith(net, 'c', five, start);
  const now = net.runUntil(
    start,
    start + 100 * H,
    H / 2,
    () => a.state.configuration?.version === 3,
  );
  const appended = net.notices.flatMap(({ id, notice }) =>
    id === 'a' && notice.type === 'configuration-appended' && notice.configuration.version > 1
      ? [
          `v${notice.configuration.version} ${notice.configuration.voters.join('')}${notice.configuration.outgoing === null ? '' : `/${notice.configuration.outgoing.join('')}`}`,
        ]
      : [],
  );
  assert.deepEqual(appended, ['v2 abcde/abc', 'v3 abcde']);
  net.runUntil(now, now + 10 * H, H / 2, () =>
    five.every((id) => net.member(id).state.configuration?.version === 3),
  );
  for (const id of five) assert.equal(net.member(id).state.configuration?.version, 3, id);
  assert.ok(a.state.isActing, 'the leader acted throughout the change');
});

test('the commit of the final entry reports how long the change took since the joint entry; other commits report none', () => {
  const { net, now: start } = ledCluster();
  net.add('d', five, undefined, start);
  net.add('e', five, undefined, start);
  restartWith(net, 'c', five, start);
  const seen = (type: string, version: number): boolean =>
    net.notices.some(
      ({ id, notice }) =>
        id === 'a' &&
        notice.type === type &&
        'configuration' in notice &&
        notice.configuration.version === version,
    );
  let now = start;
  let jointAppendedAt: number | null = null;
  let finalCommittedAt: number | null = null;
  for (; now < start + 100 * H && finalCommittedAt === null; now += H / 2) {
    net.round(now);
    if (jointAppendedAt === null && seen('configuration-appended', 2)) jointAppendedAt = now;
    if (seen('configuration-committed', 3)) finalCommittedAt = now;
  }
  assert.ok(jointAppendedAt !== null && finalCommittedAt !== null, 'the change completed');
  const durations = net.notices.flatMap(({ id, notice }) =>
    id === 'a' && notice.type === 'configuration-committed'
      ? [[notice.configuration.version, notice.changeDurationMs] as const]
      : [],
  );
  // On this instant network both entries commit in the round that appends the joint one.
  assert.deepEqual(durations, [
    [1, null],
    [2, null],
    [3, finalCommittedAt - jointAppendedAt],
  ]);
});

test('the newest member list stops counting once its author went silent or came back without it', () => {
  // A majority of this list never answers, so the leader keeps working toward it, and says so.
  const wanted = ['a', 'b', 'x', 'y', 'z'];
  const isWorkingTowardIt = (note: string | null): boolean =>
    /to \[a, b, x, y, z\]/.test(note ?? '');
  for (const author of ['silent', 'restarted empty'] as const) {
    const { net, now: start } = ledCluster();
    const a = net.member('a');
    restartWith(net, 'b', wanted, start);
    let now = net.runUntil(start, start + 20 * H, H / 2, () =>
      isWorkingTowardIt(a.state.membershipNote),
    );
    assert.ok(isWorkingTowardIt(a.state.membershipNote), `${author}: a works toward b's list`);
    if (author === 'silent') {
      // Perhaps restarting with yet another list: the change is held, not pursued.
      net.down.add('b');
    } else {
      // Its volume lost, b starts afresh with the old list: its list no longer speaks for it.
      net.members.delete('b');
      net.add('b', three, undefined, now);
    }
    now = net.runUntil(now, now + 20 * T, H / 2, () => a.state.membershipNote === null);
    assert.equal(a.state.membershipNote, null, `${author}: a stopped working toward b's list`);
    net.runUntil(now, now + 10 * T, H / 2, () => a.state.membershipNote !== null);
    assert.equal(a.state.membershipNote, null, `${author}: and did not go back to it`);
    assert.deepEqual(a.state.configuration?.voters, three);
  }
});

test('a change waits while a majority of the new members does not answer, and says so', () => {
  const { net, now: start } = ledCluster();
  const a = net.member('a');
  restartWith(net, 'c', ['a', 'c', 'x', 'y', 'z'], start);
  net.runUntil(start, start + 20 * H, H / 2, () => false);
  assert.equal(a.state.configuration?.version, 1);
  assert.match(
    a.state.membershipNote ?? '',
    /waiting for a majority of the new members .*not yet: x, y, z/,
  );
});

test('a leader that is not in the final configuration hands over once it commits', () => {
  const { net, now: start } = ledCluster();
  restartWith(net, 'b', ['b', 'c', 'd'], start);
  net.add('d', ['b', 'c', 'd'], undefined, start);
  const a = net.member('a');
  const now = net.runUntil(
    start,
    start + 100 * H,
    H / 2,
    () => a.state.roleState.role !== 'leader',
  );
  assert.deepEqual(a.state.configuration?.voters, ['b', 'c', 'd']);
  assert.equal(membershipOf(a.state), 'removed');
  net.runUntil(now, now + 40 * H, H / 2, () =>
    ['b', 'c', 'd'].some((id) => net.member(id).state.isActing),
  );
  assert.ok(
    ['b', 'c', 'd'].some((id) => net.member(id).state.isActing),
    'a voter took over',
  );
  for (let later = now; later < now + 40 * H; later += H) {
    net.tick('a', later);
    const asks = net.inFlight.filter(
      (message) => message.from === 'a' && message.type === 'pre-vote',
    );
    assert.equal(asks.length, 0, 'a removed member never campaigns');
    net.settle(later);
  }
});

test('a leaving member is left out: the leader removes it and confirms, then it may go', () => {
  const { net, now: start } = ledCluster();
  const c = net.member('c');
  net.inFlight.push(...c.feed({ type: 'leave' }, start).send);
  const now = net.runUntil(start, start + 100 * H, H / 2, () => hasLeft(c.state));
  assert.ok(hasLeft(c.state), `c was told its removal committed by ${now} ms`);
  assert.deepEqual(net.member('a').state.configuration?.voters, ['a', 'b']);
});

test('a leaving leader is removed by its successor even when a member removed earlier is still on the member list', () => {
  // Scaling a StatefulSet 3 -> 1: c goes first, then the leader a; nobody restarts with a new
  // list, so b's --members list still names c, which is gone for good.
  const { net, now: start } = ledCluster();
  const a = net.member('a');
  const b = net.member('b');
  const c = net.member('c');
  net.inFlight.push(...c.feed({ type: 'leave' }, start).send);
  const now = net.runUntil(start, start + 100 * H, H / 2, () => hasLeft(c.state));
  assert.ok(hasLeft(c.state), 'c was removed');
  net.members.delete('c');
  net.inFlight.push(...a.feed({ type: 'leave' }, now).send);
  net.runUntil(now, now + 100 * H, H / 2, () => hasLeft(a.state));
  assert.ok(
    hasLeft(a.state),
    `a was told its removal committed; b's configuration is ${JSON.stringify(b.state.configuration?.voters)}, note: ${b.state.membershipNote ?? 'none'}`,
  );
  assert.deepEqual(b.state.configuration?.voters, ['b']);
  assert.ok(b.state.isActing, 'b leads alone');
});

test('a vote goes only to a candidate whose configuration is at least as new, and a refusal carries the committed one', () => {
  const { net, now: start } = ledCluster();
  const now = net.runUntil(start, start + 5 * H, H, () => false);
  const b = net.member('b');
  assert.equal(b.state.commitIndex, 2, 'b knows its entry committed');
  const stale = vote('c', 'b', b.state.term + 1);
  const result = b.receive(stale, now + 2 * T);
  const reply = result.send[0];
  assert.equal(reply?.type === 'vote-response' && reply.granted, false);
  assert.deepEqual(
    reply?.type === 'vote-response' ? reply.configuration : undefined,
    b.state.configuration,
  );
});

test('a member that is not a voter votes only for a strictly newer configuration', () => {
  const net = new Network();
  const d = net.add('d', ['a', 'b', 'c', 'd', 'e'], durable(2, null, three));
  assert.equal(isVoter(d.state.configuration, 'd'), false);
  const same = d.receive(vote('a', 'd', 3), 2 * T);
  assert.equal(same.send[0]?.type === 'vote-response' && same.send[0].granted, false);
  const newer = d.receive(
    {
      type: 'vote',
      from: 'a',
      to: 'd',
      term: 4,
      transfer: false,
      configurationId: { index: 2, term: 3 },
    },
    2 * T,
  );
  assert.equal(newer.send[0]?.type === 'vote-response' && newer.send[0].granted, true);
});

test("a follower takes the leader's entry, ignores an older entry of the same leader, and takes its commit index only for the leader's entry", () => {
  const net = new Network();
  const b = net.add('b', three, durable(3, null));
  const next = { ...founded, index: 2, term: 3 };
  const later = { ...founded, index: 3, term: 3, version: 2, voters: five, outgoing: three };
  b.receive(
    heartbeat('a', 'b', 3, 10, {
      configurationId: idOf(later),
      configuration: later,
      commitIndex: 2,
    }),
    10,
  );
  assert.deepEqual(b.state.configuration, later);
  assert.equal(b.state.commitIndex, 2);
  b.receive(
    heartbeat('a', 'b', 3, 5, { configurationId: idOf(next), configuration: next, commitIndex: 2 }),
    11,
  );
  assert.deepEqual(b.state.configuration, later, 'a reordered, older heartbeat changes nothing');
  b.receive(
    heartbeat('a', 'b', 3, 12, { configurationId: { index: 9, term: 3 }, commitIndex: 9 }),
    12,
  );
  assert.equal(b.state.commitIndex, 2, 'a commit index for another entry is not ours');
});

test('a leaving member learns it may go only from the leader, not from a committed entry on disk', () => {
  const net = new Network();
  const c = net.add('c', three, durable(3, null, ['a', 'b']));
  c.feed({ type: 'leave' }, 0);
  assert.equal(hasLeft(c.state), false, 'its stale entry does not count');
  const entry = { ...founded, voters: ['a', 'b'] };
  c.receive(heartbeat('a', 'c', 3, 10, { configurationId: idOf(entry), commitIndex: 1 }), 10);
  assert.equal(hasLeft(c.state), true);
});

test('acknowledgements carry what the leader needs: the entry held, the own list, leaving', () => {
  const net = new Network();
  const b = net.add('b', three, durable(2, null));
  b.feed({ type: 'leave' }, 0);
  const reply = b.receive(heartbeat('a', 'b', 2, 10), 10).send[0];
  assert.deepEqual(reply, {
    ...ack('b', 'a', 2, 10, false),
    leaving: true,
    desireTag: null,
  });
});

test('a member that cannot win an election says which voters are silent, and stops saying it once a leader is heard', () => {
  const { net, now: start } = ledCluster();
  const b = net.member('b');
  net.down.add('a');
  net.down.add('c');
  const stuck = net.runUntil(start, start + 40 * H, H / 2, () =>
    (b.state.membershipNote ?? '').startsWith('no leader'),
  );
  assert.match(
    b.state.membershipNote ?? '',
    /no leader: an election needs a majority of .*a, c did not grant one/,
  );
  net.down.delete('a');
  net.down.delete('c');
  net.runUntil(
    stuck,
    stuck + 40 * H,
    H / 2,
    () => three.some((id) => net.member(id).state.isActing) && b.state.membershipNote === null,
  );
  assert.equal(b.state.membershipNote, null);
});

/** A hello-response from `from` to `to` carrying `configuration` as committed. */
function committedFrom(from: string, to: string, term: number, configuration: Configuration) {
  return {
    type: 'hello-response',
    from,
    to,
    term,
    leader: null,
    configuration,
  } as const satisfies PeerMessage;
}

test('a member that catches up on a newer committed entry from a peer says so, and a leaving member still may not go', () => {
  const net = new Network();
  const c = net.add('c', three, durable(3, null));
  c.feed({ type: 'leave' }, 0);
  const next = { ...founded, index: 2, term: 3 };
  const { notices, persist } = c.receive(committedFrom('b', 'c', 3, next), 10);
  assert.deepEqual(c.state.configuration, next);
  assert.equal(c.state.commitIndex, 2);
  assert.deepEqual(persist?.configuration, next);
  assert.deepEqual(
    notices.filter((notice) => notice.type === 'configuration-adopted'),
    [{ type: 'configuration-adopted', configuration: next }],
  );
  assert.equal(hasLeft(c.state), false, 'c is still a voter: only the leader says it may go');
});

test('a member learns from a peer that its own entry is committed, without adopting it again', () => {
  const net = new Network();
  const next = { ...founded, index: 2, term: 3 };
  const c = net.add('c', three, durable(3, null, three, next));
  assert.equal(c.state.commitIndex, 0);
  const { notices, persist } = c.receive(committedFrom('b', 'c', 3, { ...next }), 10);
  assert.equal(c.state.commitIndex, 2);
  assert.equal(persist, null, 'nothing to store');
  assert.deepEqual(
    notices.filter((notice) => notice.type === 'configuration-adopted'),
    [],
  );
});

test('a follower drops an entry of an earlier leader that the new leader does not hold (§5.3)', () => {
  // An entry appended by the leader of term 4 that reached only b, never committed.
  const stranded = { ...founded, index: 3, term: 4, version: 2, voters: five, outgoing: three };
  const net = new Network();
  const b = net.add('b', three, durable(4, null, three, stranded));
  // The leader of term 5 won with the entry of term 3 (a majority held it), not yet its own.
  const leaders = { ...founded, index: 2, term: 3 };
  b.receive(
    heartbeat('a', 'b', 5, 10, { configurationId: idOf(leaders), configuration: leaders }),
    10,
  );
  assert.deepEqual(b.state.configuration, leaders);
});

test("a reordered heartbeat with an older commit index does not lower the follower's", () => {
  const net = new Network();
  const b = net.add('b', three, durable(3, null));
  const next = { ...founded, index: 2, term: 3 };
  const leaders = { configurationId: idOf(next), configuration: next };
  b.receive(heartbeat('a', 'b', 3, 20, { ...leaders, commitIndex: 2 }), 20);
  assert.equal(b.state.commitIndex, 2);
  b.receive(heartbeat('a', 'b', 3, 10, { ...leaders, commitIndex: 1 }), 21);
  assert.equal(b.state.commitIndex, 2);
});

test('a leaving member may go only once the entry without it is committed, not when it is appended', () => {
  const net = new Network();
  const withoutC = { ...founded, index: 3, term: 3, version: 3, voters: ['a', 'b'] };
  const c = net.add('c', three, durable(3, null, three, withoutC));
  c.feed({ type: 'leave' }, 0);
  c.receive(heartbeat('a', 'c', 3, 10, { configurationId: idOf(withoutC), commitIndex: 2 }), 10);
  assert.equal(hasLeft(c.state), false, 'appended, not committed');
  c.receive(heartbeat('a', 'c', 3, 20, { configurationId: idOf(withoutC), commitIndex: 3 }), 20);
  assert.equal(hasLeft(c.state), true);
});

test('a leaving member that lost its stored state may not go on a heartbeat for an entry it does not hold', () => {
  // c's volume was lost: it restarts empty, and the leader, which still thinks c holds its
  // entry (committed, with c a voter), sends heartbeats without the entry until c answers.
  const net = new Network();
  const c = net.add('c', three);
  c.feed({ type: 'leave' }, 0);
  const next = { ...founded, index: 2, term: 3 };
  c.receive(heartbeat('a', 'c', 3, 10, { configurationId: idOf(next), commitIndex: 2 }), 10);
  assert.equal(c.state.configuration, null);
  assert.equal(hasLeft(c.state), false);
});

/**
 * Leader a of a, b, c driven by hand (leaving first when `leaving`, so it campaigns only after
 * a long silence; `members` its --members list, `stored` its durable state). Peers answer a's
 * newest heartbeat with the entry it carried; every step's notices and leadership change
 * reasons are kept, and when each entry was appended.
 */
function handLed(options: { leaving?: boolean; members?: string[]; stored?: DurableState } = {}) {
  const { leaving = false, members = three, stored = durable(0, null) } = options;
  const a = new Driver({ members, durable: stored });
  if (leaving) a.feed({ type: 'leave' }, 0);
  const notices: StepNotice[] = [];
  const reasons: string[] = [];
  const appended: { readonly at: number; readonly configuration: Configuration }[] = [];
  const entryOf = new Map<number, ConfigurationId>();
  let newest = 0;
  const record = (result: StepResult, now: number): StepResult => {
    for (const message of result.send) {
      if (message.type !== 'heartbeat') continue;
      entryOf.set(message.sentAt, message.configurationId);
      newest = message.sentAt;
    }
    notices.push(...result.notices);
    for (const notice of result.notices) {
      if (notice.type === 'configuration-appended') {
        appended.push({ at: now, configuration: notice.configuration });
      }
    }
    if (result.change !== null) reasons.push(result.change.reason);
    return result;
  };
  const since = a.campaignAndWin(leaving ? 2000 : 0);
  if (a.last !== null) record(a.last, since);
  const term = a.state.term;
  return {
    a,
    since,
    notices,
    reasons,
    appended,
    tick: (now: number): StepResult => record(a.tick(now), now),
    answer: (peer: string, now: number, extra: Partial<HeartbeatResponse> = {}): StepResult => {
      const configurationId = entryOf.get(newest);
      if (configurationId === undefined) throw new Error(`no heartbeat sent at ${newest}`);
      return record(
        a.receive(ack(peer, 'a', term, newest, true, { configurationId, ...extra }), now),
        now,
      );
    },
  };
}

test('a new leader appends its first entry only after the step in which it starts acting', () => {
  // The fsync an entry costs must not delay the news that a new leader acts.
  const { a, since, answer, notices } = handLed();
  assert.deepEqual(notices, [{ type: 'election-finished', result: 'won' }]);
  const acquired = answer('b', since + 1);
  assert.equal(acquired.change?.reason, 'lease-acquired');
  assert.deepEqual(acquired.notices, []);
  assert.equal(acquired.persist, null);
  const next = answer('c', since + 2);
  assert.deepEqual(
    next.notices.map((notice) => notice.type),
    ['configuration-appended'],
  );
  assert.deepEqual(idOf(a.state.configuration), { index: 2, term: a.state.term });
});

test('the change duration runs from the joint entry to the commit of the final entry', () => {
  const { a, since, tick, answer, notices } = handLed();
  let now = since;
  for (; a.state.commitIndex < 2 && now < since + 20 * H; now += H) {
    tick(now);
    answer('b', now + 1);
    answer('c', now + 2);
  }
  // b asks to leave: c answers heartbeats, so the leader appends the joint entry removing b.
  const outgoing = (): readonly string[] | null | undefined => a.state.configuration?.outgoing;
  answer('b', now, { eligible: false, leaving: true });
  assert.deepEqual(outgoing(), three, 'joint entry appended');
  answer('c', now + 40);
  assert.equal(outgoing(), null, 'joint committed, final appended');
  answer('c', now + 70);
  const committed = notices.flatMap((notice) =>
    notice.type === 'configuration-committed'
      ? [[notice.configuration.voters.join(''), notice.changeDurationMs] as const]
      : [],
  );
  assert.deepEqual(committed, [
    ['abc', null],
    ['ac', null],
    ['ac', 70],
  ]);
});

test('a member elected while leaving hands over as soon as a member that stays may lead', () => {
  const { a, since, tick, answer, notices, reasons } = handLed({ leaving: true });
  let now = since;
  for (; a.state.commitIndex < 2 && now < since + 20 * H; now += H) {
    tick(now);
    answer('b', now + 1);
    answer('c', now + 2, { eligible: false });
  }
  assert.equal(a.state.roleState.role, 'follower');
  assert.equal(reasons.at(-1), 'ineligible');
  assert.deepEqual(
    notices.flatMap((notice) => (notice.type === 'transfer-started' ? [notice.to] : [])),
    ['b'],
  );
  assert.deepEqual(a.state.configuration?.voters, three, 'its successor removes it');
});

test('a member elected while leaving, with no member that may take over, removes itself, then steps down', () => {
  const { a, since, tick, answer, reasons } = handLed({ leaving: true });
  let now = since;
  for (; a.state.roleState.role === 'leader' && now < since + 20 * H; now += H) {
    tick(now);
    answer('b', now + 1, { eligible: false });
    answer('c', now + 2, { eligible: false });
  }
  assert.deepEqual(a.state.configuration?.voters, ['b', 'c']);
  assert.equal(a.state.roleState.role, 'follower');
  assert.equal(reasons.at(-1), 'removed');
});

/** Ticks the leader every H/2 from `from` to `until`, each listed peer answering 1 ms later. */
function drive(
  led: ReturnType<typeof handLed>,
  from: number,
  until: number,
  peers: (now: number) => readonly string[],
  extra: (peer: string) => Partial<HeartbeatResponse> = () => ({}),
): void {
  for (let now = from; now <= until; now += H / 2) {
    led.tick(now);
    for (const peer of peers(now)) led.answer(peer, now + 1, extra(peer));
  }
}

/** When each joint entry was appended. */
function jointsAt(led: ReturnType<typeof handLed>): number[] {
  return led.appended.flatMap(({ at, configuration }) =>
    configuration.outgoing === null ? [] : [at],
  );
}

test('the newest list, from an author that never answers this leader, is held; after 10 T the leader goes by its own list', () => {
  // A rolling restart from three to five members: a restarted with five, then b; b is down.
  const led = handLed({
    members: five,
    stored: {
      ...durable(0, null),
      startedWith: { members: five, counter: 1 },
      desire: { members: five, counter: 2, author: 'b' },
    },
  });
  drive(led, led.since, led.since + (desireAuthorSilenceTimeouts + 2) * T, () => ['c', 'd', 'e']);
  // Held while b may be restarting; set aside once b was silent that long (here: since a leads),
  // at the first step after it.
  assert.deepEqual(
    jointsAt(led).map((at) => at - led.since),
    [desireAuthorSilenceTimeouts * T + 1],
  );
});

test('a leader acts at once on the list it restarted with', () => {
  const led = handLed({ members: five, stored: durable(0, null) });
  assert.deepEqual(led.a.state.desire, { members: five, counter: 1, author: 'a' });
  drive(led, led.since, led.since + 5 * H, () => ['b', 'c']);
  assert.equal(jointsAt(led).length, 1);
  assert.deepEqual(led.a.state.configuration?.voters, five);
});

test('a leader does not act on a list it stamped before it lost its stored state', () => {
  // a's volume was lost: it started afresh with three, and learnt back from its peers the
  // list of five it had stamped before; that list no longer speaks for it.
  const desire = { members: five, counter: 1, author: 'a' };
  const led = handLed({ stored: { ...durable(0, null), desire } });
  assert.deepEqual(led.a.state.desire, desire);
  drive(led, led.since, led.since + 20 * H, () => ['b', 'c', 'd', 'e']);
  assert.deepEqual(jointsAt(led), []);
  assert.deepEqual(led.a.state.configuration?.voters, three);
});

test('the leader works toward the newest list while its author answered within 2 T; then it holds', () => {
  // b restarted with a list whose new members x, y, z are not up yet: the change waits for them.
  const wanted = ['a', 'b', 'x', 'y', 'z'];
  const newList = { ownList: { members: wanted, counter: 1 } };
  const led = handLed({
    stored: { ...durable(0, null), desire: { members: wanted, counter: 1, author: 'b' } },
  });
  const lastAnswer = led.since + 10 * H;
  drive(
    led,
    led.since,
    lastAnswer,
    () => ['b', 'c'],
    (peer) => (peer === 'b' ? newList : {}),
  );
  const isWorkingTowardIt = (): boolean =>
    /to \[a, b, x, y, z\]/.test(led.a.state.membershipNote ?? '');
  assert.ok(isWorkingTowardIt(), `note: ${led.a.state.membershipNote ?? 'none'}`);
  // b's last answer was to the heartbeat sent at `lastAnswer` or just before.
  const answeredAt =
    led.a.state.roleState.role === 'leader'
      ? led.a.state.roleState.acks.get('b')?.sentAt
      : undefined;
  assert.ok(answeredAt !== undefined);
  drive(led, lastAnswer + H / 2, answeredAt + 2 * T - H, () => ['c']);
  led.tick(answeredAt + 2 * T);
  assert.ok(isWorkingTowardIt(), 'exactly 2 T after b last answered');
  led.answer('c', answeredAt + 2 * T + 1);
  assert.equal(led.a.state.membershipNote, null, 'held');
  assert.deepEqual(led.a.state.configuration?.voters, three);
});

test('removing a leaving member waits until the members that stay answered as recently as the lease rests on', () => {
  const led = handLed();
  const { a, since, tick, answer } = led;
  let now = since;
  for (; a.state.commitIndex < 2 && now < since + 20 * H; now += H) {
    tick(now);
    answer('b', now + 1);
    answer('c', now + 2);
  }
  tick(now + H);
  // c asks to leave, answering the newest heartbeat; b has not answered it yet.
  answer('c', now + H + 1, { eligible: false, leaving: true });
  assert.deepEqual(jointsAt(led), [], 'the joint lease would rest on an older answer of b');
  assert.match(a.state.membershipNote ?? '', /to \[a, b\].*not yet: b/);
  answer('b', now + H + 2);
  assert.deepEqual(a.state.configuration?.voters, ['a', 'b']);
});

test('when every member is leaving, the leader keeps the configuration and waits for nothing', () => {
  const led = handLed({ leaving: true });
  drive(
    led,
    led.since,
    led.since + 20 * H,
    () => ['b', 'c'],
    () => ({
      eligible: false,
      leaving: true,
    }),
  );
  assert.equal(led.a.state.roleState.role, 'leader');
  assert.deepEqual(led.a.state.configuration?.voters, three);
  assert.equal(led.a.state.membershipNote, null);
  assert.deepEqual(
    led.notices.filter((notice) => notice.type === 'membership-waiting'),
    [],
  );
});

test('the skip-joint-consensus switch appends the new member set without a joint entry', () => {
  const led = handLed();
  const { a, since, tick, answer } = led;
  a.state = { ...a.state, mutations: { skipJointConsensus: true } };
  let now = since;
  for (; a.state.commitIndex < 2 && now < since + 20 * H; now += H) {
    tick(now);
    answer('b', now + 1);
    answer('c', now + 2);
  }
  answer('b', now, { eligible: false, leaving: true });
  assert.deepEqual(
    led.appended.map(({ configuration }) => [configuration.voters, configuration.outgoing]),
    [
      [three, null],
      [['a', 'c'], null],
    ],
  );
});
