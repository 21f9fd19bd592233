import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaderRole, stepDown } from '../../../../src/core/raft/leader-role.js';
import { StepContext } from '../../../../src/core/raft/step-context.js';
import { Driver, T } from './fixtures.js';

test('the leader role is read only from a leader: any other role is refused loudly, not read as a leader', () => {
  const follower = new Driver();
  for (const role of ['follower', 'pre-candidate', 'candidate'] as const) {
    const state = {
      ...follower.state,
      roleState:
        role === 'follower'
          ? { role }
          : { role, granted: new Set<string>([follower.state.config.id]) },
    };
    assert.throws(
      () => leaderRole(new StepContext(state, 0, follower.random)),
      /called for a non-leader/,
      role,
    );
  }
  const leader = new Driver();
  const now = leader.campaignAndWin(0);
  const context = new StepContext(leader.state, now, leader.random);
  assert.equal(leaderRole(context).role, 'leader');
  stepDown(context, 'quorum-lost');
  assert.equal(context.state.roleState.role, 'follower');
  assert.equal(context.state.leader, null);
  assert.ok(
    context.state.electionDeadline >= now + T && context.state.electionDeadline <= now + 2 * T,
  );
  assert.throws(() => leaderRole(context), /called for a non-leader/);
});
