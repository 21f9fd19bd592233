import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ElectorError } from '../../../src/core/errors.js';
import { defaultHealthTiming } from '../../../src/config/health-timing.js';
import {
  resolveWorkloadSettings,
  type WorkloadFlagValues,
} from '../../../src/workload/workload-settings.js';

function configError(values: WorkloadFlagValues): string {
  try {
    resolveWorkloadSettings(values);
  } catch (error) {
    assert.ok(error instanceof ElectorError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('workload settings from flags', () => {
  test('without workload flags there is no probe, no hook, and the default timing', () => {
    const settings = resolveWorkloadSettings({});
    assert.equal(settings.probe, null);
    assert.deepEqual(settings.health, defaultHealthTiming);
    assert.deepEqual(settings.hooks, { timeoutMs: 5000 });
  });

  test('each health flag makes its probe', () => {
    assert.deepEqual(resolveWorkloadSettings({ healthHttpUrl: 'http://127.0.0.1:8080/ok' }).probe, {
      kind: 'http',
      url: new URL('http://127.0.0.1:8080/ok'),
    });
    assert.deepEqual(resolveWorkloadSettings({ healthTcpAddress: '[::1]:5432' }).probe, {
      kind: 'tcp',
      host: '::1',
      port: 5432,
    });
    assert.deepEqual(resolveWorkloadSettings({ healthExec: 'pg_isready -q' }).probe, {
      kind: 'exec',
      command: 'pg_isready -q',
    });
  });

  test('two health checks at once are refused, naming both flags', () => {
    assert.match(
      configError({ healthHttpUrl: 'http://localhost/', healthExec: 'true' }),
      /--health-http-url, --health-exec: expected at most one health check; got 2/,
    );
  });

  test('a URL that is not http(s) and an address without a port are refused with the value', () => {
    assert.match(
      configError({ healthHttpUrl: 'ftp://localhost/x' }),
      /--health-http-url: expected an http:\/\/ or https:\/\/ URL .*; got "ftp:\/\/localhost\/x"/,
    );
    assert.match(
      configError({ healthTcpAddress: 'localhost' }),
      /--health-tcp-address: expected host:port .*; got "localhost"/,
    );
  });

  test('health timing is checked only when a health check is set', () => {
    assert.doesNotThrow(() => resolveWorkloadSettings({ healthPeriodMs: 50, healthTimeoutMs: 80 }));
    assert.match(
      configError({ healthExec: 'true', healthPeriodMs: 50, healthTimeoutMs: 80 }),
      /--health-timeout=80ms must not exceed --health-period=50ms/,
    );
  });

  test('hooks: exec or URL per transition, not both; every problem is listed', () => {
    const settings = resolveWorkloadSettings({
      onLeaderExec: './promote.sh',
      onFollowerUrl: 'http://127.0.0.1:8080/demote',
      hookTimeoutMs: 2000,
    });
    assert.deepEqual(settings.hooks, {
      timeoutMs: 2000,
      onBecameLeader: { kind: 'exec', command: './promote.sh' },
      onSteppedDown: { kind: 'http', url: new URL('http://127.0.0.1:8080/demote') },
    });
    const message = configError({
      onLeaderExec: 'a',
      onLeaderUrl: 'http://localhost/',
      onFollowerExec: ' ',
      hookTimeoutMs: 0,
    });
    assert.match(message, /--on-leader-exec, --on-leader-url: expected at most one of them/);
    assert.match(message, /--on-follower-exec: expected a shell command; got ""/);
    assert.match(message, /--hook-timeout: expected a duration of at least 1 ms; got 0/);
  });

  test('the TCP health address is read as every address flag is: names, IPv4, bracketed IPv6, ports 1..65535', () => {
    const probeOf = (healthTcpAddress: string): unknown =>
      resolveWorkloadSettings({ healthTcpAddress }).probe;
    assert.deepEqual(probeOf('db.local:5432'), { kind: 'tcp', host: 'db.local', port: 5432 });
    assert.deepEqual(probeOf('10.0.0.1:1'), { kind: 'tcp', host: '10.0.0.1', port: 1 });
    assert.deepEqual(probeOf('[::1]:5432'), { kind: 'tcp', host: '::1', port: 5432 });
    for (const address of ['10.0.0.1:0', '10.0.0.1:70000', '::1:80', '[1:2:3]:80', '[::1]']) {
      assert.match(
        configError({ healthTcpAddress: address }),
        /^--health-tcp-address: expected host:port such as 127\.0\.0\.1:5432 or \[::1\]:5432; got /m,
        address,
      );
    }
  });
});
