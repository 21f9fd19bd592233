import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isActingLeader, leaseExpiresAt } from '../../../../src/core/raft/leadership-view.js';
import { Driver } from './fixtures.js';

test('a new leader holds no lease at all until a majority acknowledged a heartbeat', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  assert.equal(leader.state.roleState.role, 'leader');
  assert.equal(leaseExpiresAt(leader.state), null);
  assert.equal(isActingLeader(leader.state, 0), false, 'not even at the start of its clock');
  assert.equal(isActingLeader(leader.state, at), false);
});

test('a follower holds no lease and never acts', () => {
  const follower = new Driver();
  assert.equal(follower.state.roleState.role, 'follower');
  assert.equal(leaseExpiresAt(follower.state), null);
  assert.equal(isActingLeader(follower.state, 0), false);
});

test('the ignore-lease switch makes a leader act without a lease, and only a leader', () => {
  const leader = new Driver();
  const at = leader.campaignAndWin(0);
  const broken = { ...leader.state, mutations: { ignoreLease: true } };
  assert.equal(isActingLeader(broken, at), true);
  const follower = new Driver();
  assert.equal(isActingLeader({ ...follower.state, mutations: { ignoreLease: true } }, at), false);
});
