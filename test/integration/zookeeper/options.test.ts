// Building the ZooKeeper backend needs no server. Its settings are checked once, by the option
// table (test/unit/config/backend-settings.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { createZooKeeperBackend } from '../../../src/backends/zookeeper/zookeeper-backend.js';
import { type ZooKeeperBackendOptions } from '../../../src/backends/zookeeper/options.js';
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

test('valid options build a backend that is not ready before it starts', () => {
  const backend = createZooKeeperBackend(valid);
  assert.equal(backend.name, 'zookeeper');
  assert.equal(backend.isReady(), false);
  assert.equal(backend.current().isSelf, false);
  assert.deepEqual(backend.members(), []);
});
