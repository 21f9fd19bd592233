// A member outside the configuration (not founded yet, being added, leaving) says hello to the
// members it knows; their answers tell it where the cluster stands without a leader's heartbeat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  foundingConfiguration,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import type { DesiredMembers, DesireTag } from '../../../../src/core/raft/desire.js';
import type { HelloResponse, PeerMessage } from '../../../../src/core/raft/messages.js';
import { hasLeft, membershipOf } from '../../../../src/core/raft/membership-view.js';
import { initialDurableState } from '../../../../src/core/raft/state.js';
import { ledCluster } from './cluster.js';
import { Driver, durable, founded, H, heartbeat } from './fixtures.js';

const three = ['a', 'b', 'c'];
const noEntry = { index: 0, term: 0 };

function hello(
  from: string,
  to: string,
  configurationId = noEntry,
  desireTag: DesireTag | null = null,
): PeerMessage {
  return { type: 'hello', from, to, term: 0, configurationId, desireTag };
}

/** What `driver` answered the hello it just received. */
function answer(driver: Driver): HelloResponse {
  const response = driver.last?.send.find((message) => message.type === 'hello-response');
  assert.ok(response?.type === 'hello-response', 'a hello is answered');
  return response;
}

test('a follower answers with its configuration only once it knows the entry committed, and only when the asker holds no newer one', () => {
  const b = new Driver({ id: 'b' });
  b.receive(hello('x', 'b'), 1);
  assert.equal(answer(b).configuration, undefined, 'not known committed yet');
  b.receive(heartbeat('a', 'b', 1, 10, { commitIndex: 1 }), 10);
  b.receive(hello('x', 'b'), 11);
  assert.deepEqual(answer(b).configuration, founded, 'to a member without an entry');
  b.receive(hello('c', 'b', { index: 1, term: 0 }), 12);
  assert.deepEqual(
    answer(b).configuration,
    founded,
    'to a holder of the same entry: it is committed',
  );
  b.receive(hello('c', 'b', { index: 3, term: 2 }), 13);
  assert.equal(answer(b).configuration, undefined, 'the asker is ahead');
});

test("a follower's answer is never marked as the leader's", () => {
  const b = new Driver({ id: 'b' });
  b.receive(heartbeat('a', 'b', 1, 10, { commitIndex: 1 }), 10);
  b.receive(hello('x', 'b'), 11);
  assert.deepEqual(answer(b).configuration, founded);
  assert.equal(answer(b).isLeaderCommitted, undefined);
});

test('the leader marks its committed entry as its own, and heartbeats the asker from then on', () => {
  const { net, now } = ledCluster();
  const a = net.member('a');
  const entry = a.state.configuration;
  a.receive(hello('x', 'a'), now);
  assert.deepEqual(answer(a).configuration, entry);
  assert.equal(answer(a).isLeaderCommitted, true);
  a.receive(hello('y', 'a', { index: 9, term: 9 }), now);
  assert.equal(answer(a).configuration, undefined, 'y holds a newer entry');
  assert.equal(answer(a).isLeaderCommitted, undefined);
  const heartbeats = a.tick(now + 2 * H).send.filter((message) => message.type === 'heartbeat');
  assert.deepEqual(
    heartbeats.map((message) => message.to),
    ['b', 'c', 'x', 'y'],
    'the askers hear who leads',
  );
});

test('an answer carries the desired member list only when it is newer than the asker knows', () => {
  const desire: DesiredMembers = { members: ['a', 'b', 'c', 'd'], counter: 2, author: 'c' };
  const b = new Driver({ id: 'b', durable: { ...durable(1, null), desire } });
  b.receive(hello('d', 'b'), 1);
  assert.deepEqual(answer(b).desire, desire, 'the asker knows none');
  b.receive(hello('d', 'b', noEntry, { counter: 1, author: 'z' }), 2);
  assert.deepEqual(answer(b).desire, desire, 'the asker knows an older one');
  b.receive(hello('d', 'b', noEntry, { counter: 2, author: 'c' }), 3);
  assert.equal(answer(b).desire, undefined, 'the asker knows this one');
  b.receive(hello('d', 'b', noEntry, { counter: 3, author: 'a' }), 4);
  assert.equal(answer(b).desire, undefined, 'the asker knows a newer one');
});

test('a member without a configuration adopts the committed one an answer carries', () => {
  const d = new Driver({
    id: 'd',
    members: ['a', 'b', 'c', 'd', 'e'],
    durable: initialDurableState,
  });
  assert.equal(membershipOf(d.state), 'waiting');
  d.receive(
    { type: 'hello-response', from: 'a', to: 'd', term: 1, leader: 'a', configuration: founded },
    1,
  );
  assert.deepEqual(d.state.configuration, founded);
  assert.equal(d.state.commitIndex, 1);
});

test('a leaving member may go only when the leader itself says its committed entry no longer counts it', () => {
  const withoutC: Configuration = {
    index: 3,
    term: 2,
    version: 3,
    voters: ['a', 'b'],
    outgoing: null,
  };
  const respond = (extra: Partial<HelloResponse>): PeerMessage => ({
    type: 'hello-response',
    from: 'a',
    to: 'c',
    term: 2,
    leader: 'a',
    ...extra,
  });

  const c = new Driver({ id: 'c', durable: durable(2, null, three, withoutC) });
  c.feed({ type: 'leave' }, 1);
  c.receive(respond({ configuration: withoutC }), 2);
  assert.equal(hasLeft(c.state), false, 'a committed entry from a follower is not enough');
  c.receive(respond({ configuration: withoutC, isLeaderCommitted: true }), 3);
  assert.equal(hasLeft(c.state), true);

  const stillVoter = new Driver({ id: 'c', durable: durable(1, null) });
  stillVoter.feed({ type: 'leave' }, 1);
  stillVoter.receive(
    respond({ configuration: foundingConfiguration(three), isLeaderCommitted: true }),
    2,
  );
  assert.equal(hasLeft(stillVoter.state), false, 'the leader still counts it');
});
