// The Lease handover's pure parts: the annotations and writes (lease-handover-record.ts) and the
// holder's bookkeeping of one request (lease-handover.ts), on plain numbers for the clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseSnapshot } from '../../../../src/backends/kubernetes/lease-client.js';
import { LeaseHandover } from '../../../../src/backends/kubernetes/lease-handover.js';
import {
  acceptWrite,
  handoverAnnotations,
  handoverRequestOf,
  handoverWrite,
  isHandoverAccepted,
} from '../../../../src/backends/kubernetes/lease-handover-record.js';
import { recordKey } from '../../../../src/backends/kubernetes/lease-record.js';
import { ElectorError } from '../../../../src/core/errors.js';

function leaseWith(annotations: Record<string, string>): LeaseSnapshot {
  return {
    name: 'election',
    resourceVersion: '41',
    spec: {
      holderIdentity: 'member-0',
      leaseDurationSeconds: 2,
      acquireTime: '2026-12-05T16:00:00.000000Z',
      renewTime: '2026-12-05T16:00:05.000000Z',
      leaseTransitions: 4,
    },
    annotations,
    raw: {},
  };
}

/** The Lease after `changes` were merged into its annotations (null removes), as the API does. */
function withChanges(
  lease: LeaseSnapshot,
  changes: Readonly<Record<string, string | null>>,
): LeaseSnapshot {
  const annotations: Record<string, string> = { ...lease.annotations };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) Reflect.deleteProperty(annotations, key);
    else annotations[key] = value;
  }
  return { ...lease, annotations };
}

const isTransferFailed = (error: unknown): boolean =>
  error instanceof ElectorError && error.code === 'TRANSFER_FAILED';

test('a request advertised on the Lease reads back; no request, or a foreign text, reads as none', () => {
  const request = { id: '4.1', to: 'member-2' };
  const asked = withChanges(leaseWith({}), handoverAnnotations(request));
  assert.deepEqual(handoverRequestOf(asked), request);
  assert.equal(handoverRequestOf(leaseWith({})), null);
  assert.equal(handoverRequestOf(null), null);
  for (const text of ['', 'member-2', '{"to":"member-2"}', '4.1 ', 'x.1 member-2'])
    assert.equal(handoverRequestOf(leaseWith({ 'elector.io/handover-request': text })), null, text);
  const cleared = withChanges(asked, handoverAnnotations(null));
  assert.equal(handoverRequestOf(cleared), null);
});

test('an acceptance counts for its own request only, and leaves the election record alone', () => {
  const asked = withChanges(leaseWith({}), handoverAnnotations({ id: '4.1', to: 'member-2' }));
  const write = acceptWrite(asked, '4.1');
  assert.deepEqual(write.spec, asked.spec, 'the record is written back unchanged');
  const accepted = withChanges(asked, write.annotations);
  assert.equal(isHandoverAccepted(accepted, '4.1'), true);
  assert.equal(isHandoverAccepted(accepted, '4.2'), false, 'not a later request');
  assert.equal(isHandoverAccepted(asked, '4.1'), false);
  assert.equal(recordKey({ ...accepted, spec: write.spec }), recordKey(asked));
  const renewedAgain = withChanges(accepted, handoverAnnotations({ id: '4.2', to: 'member-2' }));
  assert.equal(isHandoverAccepted(renewedAgain, '4.2'), false, 'a new request starts unanswered');
});

test('the handover write names the target as a new acquisition would and clears the annotations', () => {
  const base = withChanges(leaseWith({ 'elector.io/leader-address': '10.0.0.1:4040' }), {
    'elector.io/handover-request': '4.1 member-2',
    'elector.io/handover-accepted': '4.1',
    'elector.io/holder-priority': '5',
    'elector.io/preemption-request': '4.3 9 member-2',
  });
  const write = handoverWrite(base, 'member-2', Date.UTC(2026, 11, 5, 16, 0, 9));
  assert.equal(write.spec.holderIdentity, 'member-2');
  assert.equal(write.spec.leaseTransitions, 5, 'the fencing token grows by one');
  assert.equal(write.spec.acquireTime, '2026-12-05T16:00:09.000000Z');
  assert.equal(write.spec.renewTime, write.spec.acquireTime, 'fresh, so no one takes it over');
  assert.equal(write.spec.leaseDurationSeconds, 2);
  const after = withChanges(base, write.annotations);
  assert.deepEqual(
    after.annotations,
    {},
    'no request, no answer, no old leader address, priority or preemption request',
  );
});

test('a request is advertised until accepted; once committed it is no longer advertised', async () => {
  const handover = new LeaseHandover(600);
  const done = handover.start('member-2', 4n, 1_000);
  assert.deepEqual(handover.advertised(), { id: '4.1', to: 'member-2' });
  assert.equal(handover.isOverdue(1_599), false);
  handover.commit();
  assert.equal(handover.isCommitted(), true);
  assert.equal(handover.advertised(), null);
  assert.equal(handover.isOverdue(10_000), false, 'a committed handover is never overdue');
  handover.succeed();
  await done;
  assert.equal(handover.request(), null);
});

test('an unanswered request is overdue at its deadline and refused; a second at once is refused', async () => {
  const handover = new LeaseHandover(600);
  const first = handover.start('member-9', 4n, 1_000);
  await assert.rejects(handover.start('member-2', 4n, 1_001), isTransferFailed);
  assert.equal(handover.isOverdue(1_599), false);
  assert.equal(handover.isOverdue(1_600), true);
  handover.fail('"member-9" did not accept');
  await assert.rejects(first, (error: unknown) => {
    assert.ok(isTransferFailed(error));
    assert.match((error as Error).message, /"member-9" did not accept/);
    return true;
  });
  const second = handover.start('member-2', 4n, 2_000);
  assert.equal(handover.advertised()?.id, '4.2', 'each request has its own id');
  handover.succeed();
  await second;
});
