import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foundingConfiguration } from '../../../../src/core/raft/configuration.js';
import { membershipOf } from '../../../../src/core/raft/membership-view.js';
import { initialDurableState } from '../../../../src/core/raft/state.js';
import { Driver, durable, H } from './fixtures.js';
import { Network } from './network.js';

const list = ['a', 'b', 'c'];

test('the seed founds only once every member of its list has promised, then campaigns at once', () => {
  const net = new Network();
  for (const id of list) net.add(id, list);
  net.down.add('c');
  net.tick('a', 0);
  net.settle(0);
  assert.equal(net.member('a').state.configuration, null, 'c has not answered');
  assert.equal(membershipOf(net.member('a').state), 'founding');
  assert.match(net.member('a').state.membershipNote ?? '', /waiting for c/);
  net.down.delete('c');
  net.tick('a', H);
  net.settle(H);
  assert.deepEqual(net.member('a').state.configuration, foundingConfiguration(list));
  const now = net.runUntil(H, 20 * H, H / 2, () => net.member('a').state.isActing);
  assert.ok(net.member('a').state.isActing, `a leads by ${now} ms`);
  for (const id of list) {
    assert.deepEqual(net.member(id).state.configuration?.voters, list, `${id} holds the cluster`);
  }
});

test('a member promises the seed durably before it answers', () => {
  const net = new Network();
  const b = net.add('b', list);
  const result = b.receive({ type: 'found', from: 'a', to: 'b', term: 0, members: list }, 0);
  assert.deepEqual(result.persist?.promise, { seed: 'a', members: list });
  assert.deepEqual(
    result.send.map((message) => message.type === 'found-response' && message.accepted),
    [true],
  );
});

test('a member refuses to found when it holds a configuration, was started with another list, or promised another seed', () => {
  const net = new Network();
  const member = net.add('c', list, durable(3, null));
  const held = member.receive({ type: 'found', from: 'a', to: 'c', term: 0, members: list }, 0);
  assert.match(JSON.stringify(held.send), /already belongs to a cluster/);
  const other = net.add('b', ['b', 'c', 'd']);
  const listed = other.receive({ type: 'found', from: 'a', to: 'b', term: 0, members: list }, 0);
  assert.match(JSON.stringify(listed.send), /its --members list is \[b, c, d\]/);
  const promised = net.add('e', ['a', 'e', 'f'], {
    ...initialDurableState,
    promise: { seed: 'x', members: ['e', 'x', 'y'] },
    startedWith: { members: ['a', 'e', 'f'], counter: 0 },
  });
  const refused = promised.receive(
    { type: 'found', from: 'a', to: 'e', term: 0, members: ['a', 'e', 'f'] },
    0,
  );
  assert.match(JSON.stringify(refused.send), /it promised x/);
  assert.equal(refused.persist, null, 'the promise to x stands');
});

test('a seed that learns a cluster exists stops founding and waits to be added', () => {
  const net = new Network();
  const a = net.add('a', list);
  net.add('b', list, durable(4, null));
  net.add('c', list);
  net.tick('a', 0);
  net.settle(0);
  assert.equal(a.state.configuration, null);
  assert.equal(membershipOf(a.state), 'waiting');
  assert.match(a.state.membershipNote ?? '', /b already belongs to a cluster/);
  net.tick('a', 10 * H);
  assert.equal(net.inFlight.filter((message) => message.type === 'found').length, 0);
});

test('a member that is not the seed never founds, however long it waits', () => {
  const net = new Network();
  const b = net.add('b', list);
  for (let now = 0; now < 100 * H; now += H) net.tick('b', now);
  assert.equal(b.state.configuration, null);
  assert.equal(net.inFlight.filter((message) => message.type === 'found').length, 0);
  assert.match(b.state.membershipNote ?? '', /waiting for a to found/);
});

test('1 -> 3: empty new members never found a second cluster while the old member leads alone', () => {
  const net = new Network();
  net.add('a', ['a'], durable(2, 'a', ['a']));
  net.add('b', list);
  net.add('c', list);
  net.runUntil(0, 50 * H, H / 2, () => net.member('a').state.isActing);
  assert.ok(net.member('a').state.isActing);
  for (let now = 50 * H; now < 150 * H; now += H / 2) net.round(now);
  for (const id of ['b', 'c']) {
    assert.notEqual(net.member(id).state.roleState.role, 'leader', `${id} never leads`);
    assert.notEqual(net.member(id).state.configuration?.index, 1, `${id} never founds`);
  }
});

test('a member that promised another seed says so, and whom it waits for', () => {
  const b = new Driver({
    id: 'b',
    durable: {
      ...initialDurableState,
      promise: { seed: 'x', members: ['b', 'x', 'y'] },
      startedWith: { members: list, counter: 0 },
    },
  });
  b.tick(0);
  assert.equal(
    b.state.membershipNote,
    'no configuration yet: promised x to found [b, x, y]; waiting for it to found, or for a leader to add this member',
  );
});

test('the seed asks again only once a heartbeat interval has passed since it last asked', () => {
  const a = new Driver({ id: 'a', durable: initialDurableState });
  const asked = (now: number): readonly string[] =>
    a.tick(now).send.flatMap((message) => (message.type === 'found' ? [message.to] : []));
  assert.deepEqual(asked(0), ['b', 'c']);
  assert.deepEqual(asked(H - 1), []);
  assert.deepEqual(asked(H), ['b', 'c']);
  assert.deepEqual(asked(H + 1), []);
});

test("the seed's note names who refused to found and why, also when the refusal gives no reason", () => {
  const a = new Driver({ id: 'a', durable: initialDurableState });
  a.tick(0);
  const refusal = {
    type: 'found-response',
    from: 'b',
    to: 'a',
    term: 0,
    members: list,
    accepted: false,
    configurationId: { index: 0, term: 0 },
  } as const;
  a.receive({ ...refusal, reason: 'it promised x to found [b, x, y]' }, 1);
  assert.equal(
    a.state.membershipNote,
    'founding a cluster of [a, b, c]: b refused: it promised x to found [b, x, y]',
  );
  a.receive(refusal, 2);
  assert.equal(
    a.state.membershipNote,
    'founding a cluster of [a, b, c]: b refused: no reason given',
  );
  assert.equal(a.state.configuration, null);
});

test('a seed that promised another seed before a restart never founds its new list', () => {
  // b promised a to found [a, b, c]; restarted with [b, c, d] it is that list's seed, but the
  // promise stands until a founds or a leader adds b.
  const b = new Driver({
    id: 'b',
    members: ['b', 'c', 'd'],
    durable: {
      ...initialDurableState,
      promise: { seed: 'a', members: list },
      startedWith: { members: ['b', 'c', 'd'], counter: 0 },
    },
  });
  assert.equal(membershipOf(b.state), 'waiting');
  for (let now = 0; now < 10 * H; now += H) {
    assert.deepEqual(
      b.tick(now).send.filter((message) => message.type === 'found'),
      [],
    );
  }
  assert.equal(b.state.configuration, null);
  assert.match(b.state.membershipNote ?? '', /promised a to found \[a, b, c\]/);
});

test('a member that is not the seed names the seed and the list it waits for', () => {
  const b = new Driver({ id: 'b', durable: initialDurableState });
  b.tick(0);
  assert.equal(
    b.state.membershipNote,
    'no configuration yet: waiting for a to found [a, b, c], or for a leader to add this member',
  );
});

test("the seed's note lists the members that have not answered yet", () => {
  const a = new Driver({
    id: 'a',
    members: ['a', 'b', 'c', 'd', 'e'],
    durable: initialDurableState,
  });
  a.tick(0);
  assert.equal(
    a.state.membershipNote,
    'founding a cluster of [a, b, c, d, e]: waiting for b, c, d, e to answer that they have no configuration and the same --members list',
  );
});

test('the seed reports the founding, with the entry it founded', () => {
  const a = new Driver({ id: 'a', durable: initialDurableState });
  a.tick(0);
  const accept = (from: string): Parameters<Driver['receive']>[0] => ({
    type: 'found-response',
    from,
    to: 'a',
    term: 0,
    members: list,
    accepted: true,
    configurationId: { index: 0, term: 0 },
  });
  const founded = (now: number, from: string) =>
    a.receive(accept(from), now).notices.filter((notice) => notice.type === 'founded');
  assert.deepEqual(founded(1, 'b'), []);
  assert.deepEqual(founded(2, 'c'), [
    { type: 'founded', configuration: foundingConfiguration(list) },
  ]);
});

test('refusals and answers about another list never count as consent', () => {
  const a = new Driver({ id: 'a', durable: initialDurableState });
  a.tick(0);
  const answer = {
    type: 'found-response',
    to: 'a',
    term: 0,
    configurationId: { index: 0, term: 0 },
  } as const;
  a.receive({ ...answer, from: 'b', members: list, accepted: false, reason: 'no' }, 1);
  a.receive({ ...answer, from: 'c', members: list, accepted: false, reason: 'no' }, 2);
  assert.equal(a.state.configuration, null, 'both refused');
  a.receive({ ...answer, from: 'b', members: ['a', 'b', 'c', 'd', 'e'], accepted: true }, 3);
  a.receive({ ...answer, from: 'c', members: ['a', 'b', 'c', 'd', 'e'], accepted: true }, 4);
  assert.equal(
    a.state.configuration,
    null,
    'they accepted another list (an answer from before a restart)',
  );
  a.receive({ ...answer, from: 'b', members: list, accepted: true }, 5);
  a.receive({ ...answer, from: 'c', members: list, accepted: true }, 6);
  assert.deepEqual(a.state.configuration, foundingConfiguration(list));
});

test('a promise is written once: asked again for the same list, a member answers without writing', () => {
  const b = new Driver({ id: 'b', durable: initialDurableState });
  const request = { type: 'found', from: 'a', to: 'b', term: 0, members: list } as const;
  assert.deepEqual(b.receive(request, 0).persist?.promise, { seed: 'a', members: list });
  const again = b.receive(request, H);
  assert.equal(again.persist, null);
  const response = again.send[0];
  assert.ok(response?.type === 'found-response');
  assert.equal(response.accepted, true);
  assert.equal('reason' in response, false, 'an acceptance gives no reason');
});

test('a refusal is sent as a refusal, with its reason, and promises nothing', () => {
  const b = new Driver({ id: 'b', durable: initialDurableState });
  // c is not the seed of [a, b, c]: b refuses, whatever c claims.
  const result = b.receive({ type: 'found', from: 'c', to: 'b', term: 0, members: list }, 0);
  assert.equal(result.persist, null);
  assert.deepEqual(
    result.send.map(
      (message) => message.type === 'found-response' && [message.accepted, message.reason],
    ),
    [[false, 'c is not the seed of that list']],
  );
  const promised = new Driver({
    id: 'e',
    members: ['a', 'e', 'f'],
    durable: {
      ...initialDurableState,
      promise: { seed: 'x', members: ['e', 'x', 'y'] },
      startedWith: { members: ['a', 'e', 'f'], counter: 0 },
    },
  });
  const refused = promised.receive(
    { type: 'found', from: 'a', to: 'e', term: 0, members: ['a', 'e', 'f'] },
    0,
  );
  assert.deepEqual(
    refused.send.map(
      (message) => message.type === 'found-response' && [message.accepted, message.reason],
    ),
    [[false, 'it promised x to found [e, x, y]']],
  );
});

test('a member whose list names only itself founds at its first tick, asking no one, and leads', () => {
  const a = new Driver({ members: ['a'], durable: initialDurableState });
  const first = a.tick(0);
  assert.deepEqual(first.persist?.configuration, foundingConfiguration(['a']));
  assert.deepEqual(first.notices[0], {
    type: 'founded',
    configuration: foundingConfiguration(['a']),
  });
  assert.deepEqual(first.send, [], 'no one to ask');
  assert.equal(first.state.roleState.role, 'leader', 'its own majority, it wins at once');
  assert.equal(first.change?.isSelf, true);
});
