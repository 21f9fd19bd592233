import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import {
  resolveLeaseOptions,
  type LeaseBackendOptions,
} from '../../../../src/backends/kubernetes/options.js';
import {
  acquireWrite,
  localExpiryMs,
  releaseWrite,
  renewWrite,
  tokenOf,
} from '../../../../src/backends/kubernetes/lease-record.js';
import { ManualClock } from '../../manual-clock.js';
import { ignoreElectionEvents } from '../../../../src/core/election-events.js';
import type { KubernetesApi } from '../../../../src/kubernetes/api-client.js';
import type { LeaseSnapshot } from '../../../../src/backends/kubernetes/lease-client.js';

const unusedApi: KubernetesApi = {
  server: 'https://127.0.0.1:1',
  requestTimeoutMs: 1000,
  defaultNamespace: null,
  request: () => Promise.reject(new Error('not used')),
  stream: () => Promise.reject(new Error('not used')),
};

function options(overrides: Partial<LeaseBackendOptions> = {}): LeaseBackendOptions {
  return {
    memberId: 'web-0',
    address: '10.0.0.5:8080',
    api: unusedApi,
    namespace: 'shop',
    leaseName: 'orders',
    clock: new ManualClock(0),
    random: () => 0.5,
    observe: ignoreElectionEvents,
    logger: pino({ level: 'silent' }),
    ...overrides,
  };
}

describe('Lease backend options', () => {
  test("defaults are the option table's, client-go's: 15 s lease, 10 s renew deadline, 2 s retry", () => {
    const settings = resolveLeaseOptions(options());
    assert.deepEqual(
      [settings.leaseDurationMs, settings.renewDeadlineMs, settings.retryPeriodMs],
      [15_000, 10_000, 2_000],
    );
  });

  test('given timings are kept', () => {
    const settings = resolveLeaseOptions(
      options({ leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 }),
    );
    assert.deepEqual(
      [settings.leaseDurationMs, settings.renewDeadlineMs, settings.retryPeriodMs],
      [1500, 1000, 200],
    );
  });
});

function lease(
  spec: Partial<LeaseSnapshot['spec']>,
  annotations: Record<string, string> = {},
): LeaseSnapshot {
  return {
    name: 'orders',
    resourceVersion: '7',
    spec: {
      holderIdentity: 'web-1',
      leaseDurationSeconds: 15,
      acquireTime: null,
      renewTime: null,
      leaseTransitions: 4,
      ...spec,
    },
    annotations,
    raw: {},
  };
}

describe('Lease records', () => {
  const settings = resolveLeaseOptions(
    options({ leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 }),
  );

  test('each acquisition increments leaseTransitions, the fencing token; the first is 1', () => {
    assert.equal(acquireWrite(null, settings, 0).spec.leaseTransitions, 1);
    const taken = acquireWrite(lease({ leaseTransitions: 4 }), settings, 0);
    assert.equal(taken.spec.leaseTransitions, 5);
    assert.equal(taken.spec.holderIdentity, 'web-0');
    assert.equal(taken.spec.leaseDurationSeconds, 2, 'whole seconds, rounded up');
    assert.equal(taken.annotations['elector.io/lease-duration-ms'], '1500');
    assert.equal(taken.annotations['elector.io/leader-address'], '10.0.0.5:8080');
  });

  test('priority defaults to 0, published by no annotation; a positive one is published on every write', () => {
    assert.equal(settings.priority, 0);
    assert.equal(settings.priorityHandoverDelayMs, 10_000);
    const quiet = acquireWrite(null, settings, 0).annotations;
    assert.equal(quiet['elector.io/holder-priority'], null, 'removed, not written');
    const ranked = resolveLeaseOptions(options({ priority: 7, priorityHandoverDelayMs: 500 }));
    assert.equal(ranked.priorityHandoverDelayMs, 500);
    const taken = acquireWrite(
      lease({}, { 'elector.io/preemption-request': '4.1 9 web-2' }),
      ranked,
      0,
    );
    assert.equal(taken.annotations['elector.io/holder-priority'], '7');
    assert.equal(
      taken.annotations['elector.io/preemption-request'],
      null,
      'a request for the previous holder is dropped',
    );
    const renewed = renewWrite(lease({ holderIdentity: 'web-0' }), ranked, 0);
    assert.equal(renewed.annotations['elector.io/holder-priority'], '7');
  });

  test('a renewal keeps the token and acquireTime; a release clears the holder and keeps the token', () => {
    const held = lease({
      holderIdentity: 'web-0',
      acquireTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: 9,
    });
    const renewed = renewWrite(held, settings, Date.parse('2026-01-01T00:00:05.123Z'));
    assert.equal(renewed.spec.leaseTransitions, 9);
    assert.equal(renewed.spec.acquireTime, '2026-01-01T00:00:00.000000Z');
    assert.equal(renewed.spec.renewTime, '2026-01-01T00:00:05.123000Z');
    const released = releaseWrite(held, 0);
    assert.equal(released.spec.holderIdentity, null);
    assert.equal(released.spec.leaseDurationSeconds, 1);
    assert.equal(released.spec.leaseTransitions, 9);
    assert.deepEqual(released.annotations, {
      'elector.io/leader-address': null,
      'elector.io/lease-duration-ms': null,
      'elector.io/holder-priority': null,
      'elector.io/preemption-request': null,
    });
    assert.equal(tokenOf(held), 9n);
  });

  test('expiry counts from when this member first saw the record, using the longer duration', () => {
    const observation = { lease: lease({}, {}), key: 'k', observedAtMs: 1000 };
    assert.equal(localExpiryMs(observation, settings), 1000 + 15_000, 'the holder asked for 15 s');
    const precise = {
      ...observation,
      lease: lease({ leaseDurationSeconds: 2 }, { 'elector.io/lease-duration-ms': '1200' }),
    };
    assert.equal(
      localExpiryMs(precise, settings),
      1000 + 1500,
      'our own 1.5 s is longer than 1.2 s',
    );
  });
});
