import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  candidateCreatePath,
  decodeCandidateData,
  encodeCandidateData,
  foreignIdOf,
  isPreviousVersionData,
  sortCandidates,
} from '../../../../src/backends/zookeeper/candidates.js';

const session = '0123456789abcdef';

describe('ZooKeeper candidate names', () => {
  test('a member joins as <session>-latch-__lock__, the kazoo contender form Curator also reads', () => {
    assert.equal(
      candidateCreatePath('/elector/orders', session, false),
      `/elector/orders/${session}-latch-__lock__`,
    );
    assert.equal(
      candidateCreatePath('/elector/orders', session, true),
      `/elector/orders/candidate-${session}-`,
      'while a previous-version member is queued',
    );
  });

  test('every child is a candidate, ordered by its sequence suffix whoever wrote it', () => {
    const queue = sortCandidates([
      `${session}-latch-__lock__0000000007`,
      'lease_holder',
      '_c_5b0f2d3e-9d1c-4a35-8b4e-1f2a3b4c5d6e-latch-0000000003',
      'c3f1a2b4d5e6f7a8b9c0d1e2f3a4b5c6__lock__0000000005',
      `candidate-fedcba9876543210-0000000004`,
      'another',
    ]);
    assert.deepEqual(
      queue.map((candidate) => [
        candidate.sequence,
        candidate.sessionHex,
        candidate.isPreviousLayout,
      ]),
      [
        [3, null, false],
        [4, 'fedcba9876543210', true],
        [5, null, false],
        [7, session, false],
        [null, null, false],
        [null, null, false],
      ],
    );
    assert.deepEqual(
      queue.slice(4).map((candidate) => candidate.name),
      ['another', 'lease_holder'],
      'children without a sequence come last, by name',
    );
  });
});

describe('ZooKeeper candidate data', () => {
  test('round-trips the member ID, address and priority and marks this version', () => {
    const bytes = encodeCandidateData({ memberId: 'web-0', address: '10.0.0.5:8080', priority: 7 });
    assert.deepEqual(decodeCandidateData(bytes), {
      memberId: 'web-0',
      address: '10.0.0.5:8080',
      priority: 7,
    });
    assert.deepEqual(
      decodeCandidateData(Buffer.from(JSON.stringify({ memberId: 'web-1', address: 'a:1' }))),
      { memberId: 'web-1', address: 'a:1', priority: 0 },
      'data without a priority (an older elector) reads as priority 0',
    );
    assert.equal(isPreviousVersionData(bytes), false);
    const previous = Buffer.from(JSON.stringify({ memberId: 'web-1', address: 'a:1' }));
    assert.equal(isPreviousVersionData(previous), true);
    assert.equal(
      isPreviousVersionData(Buffer.from('curator-1')),
      false,
      'foreign data is not ours',
    );
  });

  test('a foreign node is named by its raw data, or by its name when it holds none', () => {
    assert.equal(decodeCandidateData(Buffer.from('kazoo-1')), null);
    assert.equal(foreignIdOf('x__lock__0000000001', Buffer.from('kazoo-1')), 'kazoo-1');
    assert.equal(foreignIdOf('x__lock__0000000001', Buffer.alloc(0)), 'x__lock__0000000001');
  });
});
