import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTiming, type TimingSettings } from '../../../src/backends/registry.js';
import { defaultHealthTiming, type HealthTiming } from '../../../src/config/health-timing.js';

/** The defaults of `elector run`, with the default health gate and a 10 ms round trip. */
function settings(overrides: Partial<TimingSettings> = {}): TimingSettings {
  return {
    backend: 'raft',
    heartbeatIntervalMs: 100,
    electionTimeoutMs: 500,
    etcdLeaseTtlMs: 5000,
    zookeeperSessionTimeoutMs: 4000,
    leaseDurationMs: 15_000,
    leaseRenewDeadlineMs: 10_000,
    leaseRetryPeriodMs: 2000,
    health: defaultHealthTiming,
    roundTripMs: 10,
    ...overrides,
  };
}

function health(overrides: Partial<HealthTiming>): HealthTiming {
  return { ...defaultHealthTiming, ...overrides };
}

describe('startup timing check', () => {
  test('the defaults of every backend pass without problems or warnings', () => {
    for (const backend of ['raft', 'etcd', 'zookeeper', 'kubernetes'] as const) {
      const report = checkTiming(settings({ backend }));
      assert.deepEqual(report.problems, [], backend);
      assert.deepEqual(report.warnings, [], backend);
    }
  });

  test('raft: a crash costs 2T plus three round trips, a handover 2.5 round trips', () => {
    const { worstCase } = checkTiming(settings({ electionTimeoutMs: 600, roundTripMs: 20 }));
    assert.equal(worstCase.crashMs, 2 * 600 + 3 * 20);
    assert.equal(worstCase.gracefulMs, 2.5 * 20);
  });

  test('a workload failure costs threshold × period + timeout, then a graceful handover', () => {
    const { worstCase } = checkTiming(
      settings({ health: health({ periodMs: 50, timeoutMs: 40, failureThreshold: 4 }) }),
    );
    assert.equal(worstCase.workloadFailureMs, 4 * 50 + 40 + 2.5 * 10);
  });

  test('without a health check there is no workload-failure figure and no health rule', () => {
    const report = checkTiming(settings({ health: null }));
    assert.equal(report.worstCase.workloadFailureMs, null);
    assert.deepEqual(report.problems, []);
  });

  test('the round trip defaults to 10 ms', () => {
    const withoutRoundTrip: TimingSettings = { ...settings() };
    delete (withoutRoundTrip as { roundTripMs?: number }).roundTripMs;
    assert.equal(checkTiming(withoutRoundTrip).worstCase.gracefulMs, 25);
  });

  test('raft: an election timeout below three heartbeats is refused, naming both flags', () => {
    const report = checkTiming(settings({ heartbeatIntervalMs: 200, electionTimeoutMs: 500 }));
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0] ?? '', /--election-timeout=500ms/);
    assert.match(report.problems[0] ?? '', /--heartbeat-interval=200ms \(600ms\)/);
    assert.deepEqual(
      checkTiming(settings({ heartbeatIntervalMs: 200, electionTimeoutMs: 600 })).problems,
      [],
    );
  });

  test('etcd: a crash costs the TTL, the 500 ms expiry scan and two round trips', () => {
    const { worstCase } = checkTiming(settings({ backend: 'etcd', etcdLeaseTtlMs: 3000 }));
    assert.equal(worstCase.crashMs, 3000 + 500 + 20);
    assert.equal(worstCase.gracefulMs, 25);
  });

  test("etcd: a TTL below etcd's default minimum warns, a fractional one is refused", () => {
    const low = checkTiming(settings({ backend: 'etcd', etcdLeaseTtlMs: 1000, health: null }));
    assert.deepEqual(low.problems, []);
    assert.match(low.warnings.join('\n'), /--etcd-lease-ttl=1s is below etcd's minimum/);
    const fractional = checkTiming(settings({ backend: 'etcd', etcdLeaseTtlMs: 2500 }));
    assert.match(fractional.problems.join('\n'), /--etcd-lease-ttl=2.5s must be whole seconds/);
  });

  test('zookeeper: a crash costs 1.5 session timeouts (tick rounding) and two round trips', () => {
    const { worstCase } = checkTiming(
      settings({ backend: 'zookeeper', zookeeperSessionTimeoutMs: 6000 }),
    );
    assert.equal(worstCase.crashMs, 9000 + 20);
  });

  test('zookeeper: a session timeout below 4 s warns that a default server raises it', () => {
    const report = checkTiming(
      settings({ backend: 'zookeeper', zookeeperSessionTimeoutMs: 2000, health: null }),
    );
    assert.match(report.warnings.join('\n'), /--zookeeper-session-timeout=2s/);
    assert.deepEqual(report.problems, []);
  });

  test('kubernetes: a crash costs the lease duration plus 1.2 retry periods and two round trips', () => {
    const { worstCase } = checkTiming(settings({ backend: 'kubernetes' }));
    assert.equal(worstCase.crashMs, 15_000 + 1.2 * 2000 + 20);
  });

  test('kubernetes: the lease duration must exceed the renew deadline', () => {
    const report = checkTiming(
      settings({ backend: 'kubernetes', leaseDurationMs: 10_000, leaseRenewDeadlineMs: 10_000 }),
    );
    assert.equal(report.problems.length, 1);
    assert.match(
      report.problems[0] ?? '',
      /--lease-duration=10s must be longer than --lease-renew-deadline=10s/,
    );
  });

  test('kubernetes: the renew deadline must exceed 1.2 retry periods', () => {
    const report = checkTiming(
      settings({ backend: 'kubernetes', leaseRenewDeadlineMs: 2400, leaseRetryPeriodMs: 2000 }),
    );
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0] ?? '', /--lease-renew-deadline=2.4s must be longer than 1.2/);
    const fine = checkTiming(
      settings({ backend: 'kubernetes', leaseRenewDeadlineMs: 2401, leaseRetryPeriodMs: 2000 }),
    );
    assert.deepEqual(fine.problems, []);
  });

  test('a health timeout longer than its period is refused', () => {
    const report = checkTiming(settings({ health: health({ periodMs: 100, timeoutMs: 150 }) }));
    assert.equal(report.problems.length, 1);
    assert.match(
      report.problems[0] ?? '',
      /--health-timeout=150ms must not exceed --health-period=100ms/,
    );
  });

  test('health values out of range are refused, each naming its flag', () => {
    const report = checkTiming(
      settings({ health: health({ periodMs: 0, failureThreshold: 1.5, successThreshold: 0 }) }),
    );
    const text = report.problems.join('\n');
    assert.match(text, /--health-period: expected a duration of at least 1 ms; got 0/);
    assert.match(text, /--health-failure-threshold: expected a whole number ≥ 1; got 1.5/);
    assert.match(text, /--health-success-threshold: expected a whole number ≥ 1; got 0/);
  });

  test('probing for longer than the election timeout warns but is accepted', () => {
    // 3 × 200 ms = 600 ms > T = 500 ms; 600 + 100 + 25 = 725 ms < 2T + 3 RTT = 1030 ms.
    const report = checkTiming(settings({ health: health({ periodMs: 200 }) }));
    assert.deepEqual(report.problems, []);
    assert.equal(report.warnings.length, 1);
    assert.match(
      report.warnings[0] ?? '',
      /--health-period=200ms × --health-failure-threshold=3 \(600ms\) is longer than --election-timeout=500ms/,
    );
  });

  test('a workload failure that would hand over no sooner than a crash is refused', () => {
    // 3 × 300 ms + 100 ms + 25 ms = 1025 ms < 1030 ms: accepted; 3 × 300 + 110 + 25 = 1035: refused.
    const accepted = checkTiming(settings({ health: health({ periodMs: 300, timeoutMs: 100 }) }));
    assert.deepEqual(accepted.problems, []);
    const refused = checkTiming(settings({ health: health({ periodMs: 300, timeoutMs: 110 }) }));
    assert.equal(refused.problems.length, 1);
    assert.match(refused.problems[0] ?? '', /hand over after up to 1035ms/);
    assert.match(refused.problems[0] ?? '', /no sooner than a crashed leader is replaced \(1030ms/);
    assert.match(refused.problems[0] ?? '', /lengthen --election-timeout/);
  });

  test('the workload rule compares against the chosen backend', () => {
    // 10 × 1 s + 1 s = 11 s: too slow beside a 4 s ZooKeeper session, fine beside a 15 s Lease.
    const slow = health({ periodMs: 1000, timeoutMs: 1000, failureThreshold: 10 });
    assert.equal(checkTiming(settings({ backend: 'zookeeper', health: slow })).problems.length, 1);
    assert.deepEqual(checkTiming(settings({ backend: 'kubernetes', health: slow })).problems, []);
  });

  test('every figure comes with the formula that makes it up', () => {
    const { formulas } = checkTiming(settings({ backend: 'kubernetes' })).worstCase;
    assert.match(formulas.crash, /--lease-duration \+ 1.2 × --lease-retry-period/);
    assert.match(formulas.graceful, /release, watch, acquire/);
    assert.match(formulas.workloadFailure, /--health-failure-threshold × --health-period/);
  });
});
