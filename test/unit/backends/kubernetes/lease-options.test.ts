import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import {
  parseLeaseOptions,
  type LeaseBackendOptions,
} from '../../../../src/backends/kubernetes/options.js';
import {
  acquireWrite,
  localExpiryMs,
  releaseWrite,
  renewWrite,
  tokenOf,
} from '../../../../src/backends/kubernetes/lease-record.js';
import { ElectorError } from '../../../../src/core/errors.js';
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
    clock: { now: () => 0 },
    random: () => 0.5,
    observe: ignoreElectionEvents,
    logger: pino({ level: 'silent' }),
    ...overrides,
  };
}

function configError(overrides: Partial<LeaseBackendOptions>): string {
  try {
    parseLeaseOptions(options(overrides));
  } catch (error) {
    assert.ok(error instanceof ElectorError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('Lease backend options', () => {
  test("defaults are client-go's: 15 s lease, 10 s renew deadline, 2 s retry", () => {
    const settings = parseLeaseOptions(options());
    assert.deepEqual(
      [settings.leaseDurationMs, settings.renewDeadlineMs, settings.retryPeriodMs],
      [15_000, 10_000, 2_000],
    );
  });

  test('short test timings that keep the ordering are accepted', () => {
    const settings = parseLeaseOptions(
      options({ leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 }),
    );
    assert.equal(settings.leaseDurationMs, 1500);
  });

  test('a lease duration not above the renew deadline is refused with both values and the reason', () => {
    const message = configError({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 });
    assert.match(
      message,
      /^kubernetes\.leaseDurationMs \(10000\) must be greater than kubernetes\.renewDeadlineMs \(10000\): .*margin for clock-rate error/,
    );
  });

  test('a renew deadline not above retryPeriod × 1.2 is refused', () => {
    const message = configError({ renewDeadlineMs: 2400, retryPeriodMs: 2000 });
    assert.match(
      message,
      /^kubernetes\.renewDeadlineMs \(2400\) must be greater than kubernetes\.retryPeriodMs × 1\.2 \(2400\)/,
    );
  });

  test('bad values name the option, the value received and what is accepted', () => {
    assert.match(
      configError({ leaseDurationMs: 1.5 }),
      /^kubernetes\.leaseDurationMs: expected a whole number of milliseconds; got 1\.5$/m,
    );
    assert.match(
      configError({ retryPeriodMs: 0 }),
      /^kubernetes\.retryPeriodMs: must be at least 1 ms; got 0$/m,
    );
    assert.match(
      configError({ leaseName: 'Orders_Leader' }),
      /^kubernetes\.leaseName: expected a Lease name .*; got "Orders_Leader"$/m,
    );
    assert.match(configError({ namespace: '' }), /^kubernetes\.namespace: .*; got ""$/m);
    assert.match(
      configError({ memberId: '' }),
      /^kubernetes\.memberId: must not be empty; got ""$/m,
    );
    assert.match(
      configError({ address: 'nohost' }),
      /^kubernetes\.address: expected host:port; got "nohost"$/m,
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
  const settings = parseLeaseOptions(
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
