import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeHandoverRecord,
  encodeHandoverRecord,
  handoverProgress,
  mustAccept,
  mustStepAside,
  type QueuedCandidate,
} from '../../../src/backends/named-handover.js';

function queued(...ids: (string | null)[]): QueuedCandidate[] {
  return ids.map((id, index) => ({
    id,
    displayId: id ?? `foreign-${index}`,
    place: `p${index}`,
  }));
}

describe('queue handover: the leader', () => {
  test('is ready once the target is directly behind it, and waits while others are ahead', () => {
    assert.deepEqual(handoverProgress(queued('l', 't'), 'p0', 'l', 't'), { kind: 'ready' });
    assert.deepEqual(handoverProgress(queued('l', 'a', 't'), 'p0', 'l', 't'), { kind: 'wait' });
  });

  test('refuses itself, an unknown target, and leadership it no longer holds', () => {
    const refusal = (queue: QueuedCandidate[], place: string, to: string): string => {
      const progress = handoverProgress(queue, place, 'l', to);
      if (progress.kind !== 'refuse') assert.fail(`expected a refusal, got ${progress.kind}`);
      return progress.reason;
    };
    assert.match(refusal(queued('l', 't'), 'p0', 'l'), /itself/);
    assert.match(refusal(queued('l', 't'), 'p0', 'gone'), /not a candidate/);
    assert.match(refusal(queued('x', 'l', 't'), 'p1', 't'), /no longer leads/);
  });

  test('refuses at once when a foreign candidate is ahead of the target, naming it', () => {
    const progress = handoverProgress(queued('l', 'a', null, 't'), 'p0', 'l', 't');
    if (progress.kind !== 'refuse') assert.fail(`expected a refusal, got ${progress.kind}`);
    assert.match(progress.reason, /foreign-2/);
    assert.deepEqual(
      handoverProgress(queued('l', 't', null), 'p0', 'l', 't'),
      { kind: 'ready' },
      'a foreign candidate behind the target is not passed over',
    );
  });
});

describe('queue handover: the other members', () => {
  const record = { to: 't', from: 'p0' };

  test('only members between the leader and the target step aside', () => {
    const queue = queued('l', 'a', 'b', 't', 'c');
    assert.deepEqual(
      ['p0', 'p1', 'p2', 'p3', 'p4'].map((place) => mustStepAside(queue, place, record)),
      [false, true, true, false, false],
    );
  });

  test('a record whose leader no longer leads asks nothing', () => {
    assert.equal(mustStepAside(queued('x', 'a', 't'), 'p1', { to: 't', from: 'gone' }), false);
    assert.equal(mustAccept(queued('x', 't'), 't', { to: 't', from: 'gone' }), false);
    assert.equal(mustStepAside(queued('l', 'a', 't'), 'p1', null), false);
  });

  test('the target accepts once, and only the target', () => {
    const queue = queued('l', 't');
    assert.equal(mustAccept(queue, 't', record), true);
    assert.equal(mustAccept(queue, 't', { ...record, accepted: true }), false);
    assert.equal(mustAccept(queue, 'other', record), false);
  });

  test('the record round-trips, and other bytes are no record', () => {
    const accepted = { to: 't', from: 'p0', accepted: true };
    assert.deepEqual(decodeHandoverRecord(encodeHandoverRecord(accepted)), accepted);
    assert.equal(decodeHandoverRecord(Buffer.from('not json')), null);
    assert.equal(decodeHandoverRecord(Buffer.from('{"to":""}')), null);
    assert.equal(decodeHandoverRecord(null), null);
  });
});
