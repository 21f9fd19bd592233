// Priority preemption on the Lease, its pure parts: the annotations (lease-priority-record.ts)
// and the decisions (lease-preemption.ts), driven by the manual clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseSnapshot } from '../../../../src/backends/kubernetes/lease-client.js';
import {
  EligibilityWindow,
  HolderPreemption,
  outranks,
  shouldRequestPreemption,
  type CandidateSituation,
  type HolderSituation,
} from '../../../../src/backends/kubernetes/lease-preemption.js';
import {
  clearedPreemptionRequest,
  holderPriorityAnnotations,
  holderPriorityOf,
  preemptionRequestOf,
  preemptionRequestText,
  preemptionRequestWrite,
  type PreemptionRequest,
} from '../../../../src/backends/kubernetes/lease-priority-record.js';
import { recordKey } from '../../../../src/backends/kubernetes/lease-record.js';
import { ManualClock } from '../../manual-clock.js';

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

function request(change: Partial<PreemptionRequest> = {}): PreemptionRequest {
  return { token: 4n, sequence: 1, priority: 20, candidate: 'member-2', ...change };
}

describe('the priority annotations', () => {
  test('the holder publishes a positive priority; none, or text that is not a number, reads as 0', () => {
    assert.deepEqual(holderPriorityAnnotations(7), { 'elector.io/holder-priority': '7' });
    assert.deepEqual(holderPriorityAnnotations(0), { 'elector.io/holder-priority': null });
    assert.equal(holderPriorityOf(leaseWith({ 'elector.io/holder-priority': '7' })), 7);
    assert.equal(holderPriorityOf(leaseWith({})), 0);
    assert.equal(holderPriorityOf(leaseWith({ 'elector.io/holder-priority': '-3' })), 0);
    assert.equal(holderPriorityOf(leaseWith({ 'elector.io/holder-priority': '12345678' })), 0);
    assert.equal(holderPriorityOf(null), 0);
  });

  test('a request round-trips through its annotation and leaves the election record alone', () => {
    const base = leaseWith({});
    const write = preemptionRequestWrite(base, request());
    assert.deepEqual(write.spec, base.spec);
    assert.deepEqual(write.annotations, {
      'elector.io/preemption-request': '4.1 20 member-2',
    });
    const asked = { ...base, annotations: { 'elector.io/preemption-request': '4.1 20 member-2' } };
    assert.deepEqual(preemptionRequestOf(asked), request());
    assert.equal(recordKey(asked), recordKey(base), 'no member restarts its wait');
    assert.equal(preemptionRequestText(request()), '4.1 20 member-2');
    assert.deepEqual(clearedPreemptionRequest(), { 'elector.io/preemption-request': null });
  });

  test('text that is not a request, or one past the size bounds, is no request', () => {
    for (const text of [
      '',
      '4 20 member-2',
      '4.1 20',
      '4.1 x member-2',
      '4.1 20 member 2',
      `4.1 20 ${'a'.repeat(254)}`,
      '4.1 12345678 member-2',
    ]) {
      const lease = leaseWith({ 'elector.io/preemption-request': text });
      assert.equal(preemptionRequestOf(lease), null, JSON.stringify(text));
    }
  });
});

describe('the eligibility window', () => {
  test('completes only after the whole window without a break; a break restarts it', () => {
    const clock = new ManualClock();
    const window = new EligibilityWindow(10_000);
    assert.equal(window.remainingMs(clock.now()), null, 'not running before the first update');
    window.update(true, clock.now());
    clock.advance(9_999);
    window.update(true, clock.now());
    assert.equal(window.isComplete(clock.now()), false);
    assert.equal(window.remainingMs(clock.now()), 1);
    window.update(false, clock.now());
    assert.equal(window.isComplete(clock.now()), false);
    window.update(true, clock.now());
    clock.advance(9_999);
    assert.equal(window.isComplete(clock.now()), false, 'restarted at the break');
    clock.advance(1);
    assert.equal(window.isComplete(clock.now()), true);
    assert.equal(window.remainingMs(clock.now()), null);
  });

  test('a window of 0 completes at once', () => {
    const window = new EligibilityWindow(0);
    window.update(true, 5);
    assert.equal(window.isComplete(5), true);
  });
});

describe('whether a candidate asks', () => {
  const base: CandidateSituation = {
    memberId: 'member-2',
    priority: 20,
    holderPriority: 10,
    token: 4n,
    pending: null,
    isWindowComplete: true,
    lastRequestAtMs: null,
    retryPeriodMs: 200,
    now: 10_000,
  };

  test('a higher priority whose window is complete asks; within the window it does not', () => {
    assert.equal(shouldRequestPreemption(base), true);
    assert.equal(shouldRequestPreemption({ ...base, isWindowComplete: false }), false);
  });

  test('priority 0 never asks, and equal priorities never swap', () => {
    assert.equal(shouldRequestPreemption({ ...base, priority: 0, holderPriority: 0 }), false);
    assert.equal(shouldRequestPreemption({ ...base, priority: 10 }), false);
    assert.equal(shouldRequestPreemption({ ...base, priority: 9 }), false);
  });

  test('at most one request per retry period', () => {
    assert.equal(shouldRequestPreemption({ ...base, lastRequestAtMs: 9_801 }), false);
    assert.equal(shouldRequestPreemption({ ...base, lastRequestAtMs: 9_800 }), true);
  });

  test('it does not overwrite its own current request, nor one that outranks it', () => {
    const own = request({ candidate: 'member-2' });
    assert.equal(shouldRequestPreemption({ ...base, pending: own }), false);
    const higher = request({ candidate: 'member-3', priority: 30 });
    assert.equal(shouldRequestPreemption({ ...base, pending: higher }), false);
    const tieFirst = request({ candidate: 'member-1', priority: 20 });
    assert.equal(shouldRequestPreemption({ ...base, pending: tieFirst }), false);
    const tieAfter = request({ candidate: 'member-3', priority: 20 });
    assert.equal(shouldRequestPreemption({ ...base, pending: tieAfter }), true);
    const lower = request({ candidate: 'member-1', priority: 15 });
    assert.equal(shouldRequestPreemption({ ...base, pending: lower }), true);
  });

  test('a request addressed to an earlier holder does not count, its own included', () => {
    const stale = request({ token: 3n, candidate: 'member-2' });
    assert.equal(shouldRequestPreemption({ ...base, pending: stale }), true);
    const staleHigher = request({ token: 3n, candidate: 'member-3', priority: 99 });
    assert.equal(shouldRequestPreemption({ ...base, pending: staleHigher }), true);
  });

  test('the order: higher priority first, then the id that sorts first', () => {
    const claim = (priority: number, candidate: string) => ({ priority, candidate });
    assert.equal(outranks(claim(5, 'b'), claim(4, 'a')), true);
    assert.equal(outranks(claim(4, 'a'), claim(5, 'b')), false);
    assert.equal(outranks(claim(5, 'a'), claim(5, 'b')), true);
    assert.equal(outranks(claim(5, 'b'), claim(5, 'a')), false);
    assert.equal(outranks(claim(5, 'a'), claim(5, 'a')), false);
  });
});

describe('what the holder does with a request', () => {
  const leaseDurationMs = 1_500;
  const cooldownMs = 10_000;
  const settleMs = 200;
  function situation(
    clock: ManualClock,
    change: Partial<PreemptionRequest> | null = {},
    extra: Partial<HolderSituation> = {},
  ): HolderSituation {
    const current = change === null ? null : request(change);
    return {
      memberId: 'member-0',
      priority: 10,
      token: 4n,
      request: current,
      requestText: current === null ? null : preemptionRequestText(current),
      isHandoverUnderWay: false,
      now: clock.now(),
      ...extra,
    };
  }

  test('a current request from a higher priority is handed over to once it stood a retry period', () => {
    const clock = new ManualClock();
    const holder = new HolderPreemption(cooldownMs, leaseDurationMs, settleMs);
    assert.deepEqual(holder.decide(situation(clock, null)), { type: 'none' });
    assert.deepEqual(holder.decide(situation(clock)), { type: 'wait' });
    clock.advance(settleMs - 1);
    assert.deepEqual(holder.decide(situation(clock)), { type: 'wait' });
    clock.advance(1);
    assert.deepEqual(holder.decide(situation(clock)), { type: 'hand-over', request: request() });
  });

  test('a request overwritten by one that outranks it settles again before the holder acts', () => {
    const clock = new ManualClock();
    const holder = new HolderPreemption(cooldownMs, leaseDurationMs, settleMs);
    assert.equal(holder.decide(situation(clock, { candidate: 'member-3' })).type, 'wait');
    clock.advance(settleMs - 1);
    assert.equal(holder.decide(situation(clock)).type, 'wait', 'member-2 overwrote it');
    clock.advance(settleMs - 1);
    assert.equal(holder.decide(situation(clock)).type, 'wait');
    clock.advance(1);
    assert.deepEqual(holder.decide(situation(clock)), { type: 'hand-over', request: request() });
  });

  test('a request for an earlier holder, from itself, or not above it is cleared', () => {
    const clock = new ManualClock();
    const holder = new HolderPreemption(cooldownMs, leaseDurationMs, settleMs);
    assert.equal(holder.decide(situation(clock, { token: 3n })).type, 'clear');
    assert.equal(holder.decide(situation(clock, { candidate: 'member-0' })).type, 'clear');
    assert.equal(holder.decide(situation(clock, { priority: 10 })).type, 'clear', 'equal');
    assert.equal(holder.decide(situation(clock, { priority: 3 })).type, 'clear', 'lower');
  });

  test('one preemption per window: a request after a handover waits until the window has passed', () => {
    const clock = new ManualClock();
    const holder = new HolderPreemption(cooldownMs, leaseDurationMs, settleMs);
    holder.decide(situation(clock));
    clock.advance(settleMs);
    assert.equal(holder.decide(situation(clock)).type, 'hand-over');
    holder.started(clock.now());
    assert.equal(holder.decide(situation(clock, {}, { isHandoverUnderWay: true })).type, 'wait');
    holder.refused(preemptionRequestText(request()));
    assert.equal(holder.decide(situation(clock)).type, 'clear', 'a refused request is cleared');
    clock.advance(1_000);
    assert.equal(holder.decide(situation(clock, { sequence: 2 })).type, 'wait', 'asked again');
    clock.advance(settleMs);
    assert.equal(holder.decide(situation(clock, { sequence: 2 })).type, 'wait', 'the window');
    clock.advance(cooldownMs - 1_000 - settleMs - 1);
    // Seen 8999 ms ago, well past the lease duration: it aged out while the holder waited.
    assert.equal(holder.decide(situation(clock, { sequence: 2 })).type, 'clear');
    assert.equal(holder.decide(situation(clock, { sequence: 3 })).type, 'wait', 'asked anew');
    clock.advance(settleMs);
    assert.equal(holder.decide(situation(clock, { sequence: 3 })).type, 'hand-over');
  });

  test('a request counts for one lease duration from when the holder first saw it', () => {
    const clock = new ManualClock();
    const holder = new HolderPreemption(cooldownMs, leaseDurationMs, settleMs);
    assert.equal(holder.decide(situation(clock, {}, { isHandoverUnderWay: true })).type, 'wait');
    clock.advance(leaseDurationMs - 1);
    assert.equal(holder.decide(situation(clock, {}, { isHandoverUnderWay: true })).type, 'wait');
    clock.advance(1);
    assert.deepEqual(holder.decide(situation(clock)), {
      type: 'clear',
      reason: 'older than a lease duration',
    });
  });
});
