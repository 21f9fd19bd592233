// Option validation of the ZooKeeper backend; needs no server.
// (It sits here because this folder is the backend's test home; it belongs under test/unit.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { createZooKeeperBackend } from '../../../src/backends/zookeeper/zookeeper-backend.js';
import { type ZooKeeperBackendOptions } from '../../../src/backends/zookeeper/options.js';
import { ElectorError } from '../../../src/core/errors.js';
import { systemClock } from '../../../src/runtime/system-clock.js';

const valid: ZooKeeperBackendOptions = {
  memberId: 'pod-0',
  address: '10.0.0.5:8080',
  connectString: 'zk-0:2181,zk-1:2181',
  electionName: '/elector/orders',
  clock: systemClock,
  random: Math.random,
  observe: () => undefined,
  logger: pino({ level: 'silent' }),
};

function refusal(options: Partial<ZooKeeperBackendOptions>): string {
  try {
    createZooKeeperBackend({ ...valid, ...options });
  } catch (error) {
    assert.ok(error instanceof ElectorError, 'an ElectorError');
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail(`options were accepted: ${JSON.stringify(options)}`);
}

test('valid options build a backend that is not ready before it starts', () => {
  const backend = createZooKeeperBackend(valid);
  assert.equal(backend.name, 'zookeeper');
  assert.equal(backend.isReady(), false);
  assert.equal(backend.current().isSelf, false);
  assert.deepEqual(backend.members(), []);
});

test('bad options are refused with CONFIG_INVALID naming the option, the value and what is accepted', () => {
  assert.match(
    refusal({ connectString: 'zk-0:2181/team' }),
    /zookeeper\.connectString: .*use the chroot option; got "zk-0:2181\/team"/,
  );
  assert.match(
    refusal({ electionName: 'orders' }),
    /zookeeper\.electionName: expected an absolute znode path .*; got "orders"/,
  );
  assert.match(
    refusal({ electionName: '/elector/../x' }),
    /zookeeper\.electionName: .*"\." or "\.\."/,
  );
  assert.match(refusal({ sessionTimeoutMs: 1.5 }), /zookeeper\.sessionTimeoutMs: .*; got 1\.5/);
  assert.match(
    refusal({ address: 'no-port' }),
    /zookeeper\.address: expected host:port; got "no-port"/,
  );
  assert.match(refusal({ memberId: '' }), /zookeeper\.memberId: /);
});

test('a malformed credential is refused without echoing it', () => {
  const message = refusal({ auth: { scheme: 'digest', credentials: 'no-colon-secret' } });
  assert.match(message, /zookeeper\.auth\.credentials: expected "user:password"; got \(redacted\)/);
  assert.doesNotMatch(message, /no-colon-secret/);
});
