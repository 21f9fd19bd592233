import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rehearseLeadershipChange } from '../../../../src/backends/raft/rehearsal.js';

test('the start-up rehearsal takes the leadership-change paths: an election, a handover to a named member, a removal', () => {
  for (const timing of [
    { heartbeatIntervalMs: 100, electionTimeoutMs: 500, maxClockDrift: 0.05 },
    { heartbeatIntervalMs: 50, electionTimeoutMs: 1000, maxClockDrift: 0.2 },
  ]) {
    const outcome = rehearseLeadershipChange(timing);
    assert.equal(outcome.leaders.length, 2, JSON.stringify(outcome));
    assert.notEqual(outcome.leaders[0], outcome.leaders[1]);
    assert.ok(outcome.isLeaverRemoved, JSON.stringify(outcome));
    assert.ok(outcome.messages > 0);
  }
});
