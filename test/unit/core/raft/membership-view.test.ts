import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  foundingConfiguration,
  type Configuration,
} from '../../../../src/core/raft/configuration.js';
import {
  contactsOf,
  memberships,
  membershipOf,
} from '../../../../src/core/raft/membership-view.js';
import { initialDurableState } from '../../../../src/core/raft/state.js';
import { ledCluster } from './cluster.js';
import { Driver, durable } from './fixtures.js';

const three = ['a', 'b', 'c'];
const five = ['a', 'b', 'c', 'd', 'e'];
const withoutC: Configuration = {
  index: 3,
  term: 2,
  version: 3,
  voters: ['a', 'b'],
  outgoing: null,
};

test('a member of the configuration is a voter', () => {
  assert.equal(membershipOf(new Driver({ id: 'a' }).state), 'voter');
});

test('a member outside the configuration is a learner while its list names it, even with no desire known', () => {
  const d = new Driver({
    id: 'd',
    members: five,
    durable: durable(1, null, five, foundingConfiguration(three)),
  });
  assert.equal(d.state.desire, null);
  assert.equal(membershipOf(d.state), 'learner');
});

test('a member outside the configuration that the newest desired list leaves out is removed', () => {
  const desire = { members: ['a', 'b'], counter: 2, author: 'a' };
  const c = new Driver({ id: 'c', durable: { ...durable(2, null, three, withoutC), desire } });
  assert.equal(membershipOf(c.state), 'removed');
});

test('without a configuration the seed is founding from its start, and the others wait', () => {
  assert.equal(
    membershipOf(new Driver({ id: 'a', durable: initialDurableState }).state),
    'founding',
  );
  assert.equal(
    membershipOf(new Driver({ id: 'b', durable: initialDurableState }).state),
    'waiting',
  );
});

test('elector_raft_membership has a series for each membership the README names, in its order', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const row =
    /^\| `elector_raft_membership\{state\}` .*this member's state: ([a-z, ]+?) +\|$/m.exec(readme);
  assert.ok(row?.[1] !== undefined, 'the README lists elector_raft_membership');
  assert.deepEqual(row[1].split(', '), [...memberships]);
});

test('a member keeps contact with the voters and its lists, not with itself', () => {
  assert.deepEqual(contactsOf(new Driver({ id: 'a' }).state), ['b', 'c']);
  const d = new Driver({
    id: 'd',
    members: five,
    durable: durable(1, null, five, foundingConfiguration(three)),
  });
  assert.deepEqual(contactsOf(d.state), ['a', 'b', 'c', 'e']);
});

test('a member keeps contact with the members of the list it promised to found, until it founds or joins', () => {
  const promise = { seed: 'a', members: ['a', 'e', 'f'] };
  const e = new Driver({
    id: 'e',
    members: ['e', 'f', 'g'],
    durable: { ...initialDurableState, promise },
  });
  assert.deepEqual(contactsOf(e.state), ['a', 'f', 'g']);
});

test('the leader keeps contact with members outside the configuration that asked it, in one order whatever order they asked in', () => {
  const { net, now } = ledCluster();
  const a = net.member('a');
  for (const asker of ['z', 'x', 'y']) {
    a.receive(
      {
        type: 'hello',
        from: asker,
        to: 'a',
        term: 0,
        configurationId: { index: 0, term: 0 },
        desireTag: null,
      },
      now,
    );
  }
  assert.deepEqual(contactsOf(a.state), ['b', 'c', 'x', 'y', 'z']);
});
