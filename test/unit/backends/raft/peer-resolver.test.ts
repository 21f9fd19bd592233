import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { raftFromConfig } from '../../../../src/backends/raft/config.js';
import {
  createPeerResolver,
  parseAddressList,
} from '../../../../src/backends/raft/peer-resolver.js';
import { loadConfig } from '../../../../src/config/load.js';
import { ElectorError } from '../../../../src/core/errors.js';
import { ignoreElectionEvents } from '../../../../src/core/election-events.js';
import { ManualClock } from '../../manual-clock.js';

test('peer entries give the host sockets take: an IPv6 literal without its brackets', () => {
  assert.deepEqual(
    [...parseAddressList(['a=10.0.0.7:7946', 'b=[::1]:7001', 'c=[fd00::2]:7002', 'd=zk-0:1'])],
    [
      ['a', { host: '10.0.0.7', port: 7946 }],
      ['b', { host: '::1', port: 7001 }],
      ['c', { host: 'fd00::2', port: 7002 }],
      ['d', { host: 'zk-0', port: 1 }],
    ],
  );
});

test('a malformed peer entry is refused with CONFIG_INVALID naming the entry', () => {
  for (const entry of ['b=::1:7001', 'b=[::1]', 'b=[nothex]:1', 'b=host', 'b=host:99999', '=h:1']) {
    assert.throws(
      () => parseAddressList([entry]),
      (error) =>
        error instanceof ElectorError &&
        error.code === 'CONFIG_INVALID' &&
        error.message.includes(JSON.stringify(entry)),
      entry,
    );
  }
});

test('a static IPv6 peer is dialled at its literal, and its HTTP address is written back bracketed', async () => {
  const resolve = createPeerResolver(parseAddressList(['b=[::1]:7001']), '{id}.invalid', 7946);
  assert.deepEqual(await resolve('b'), { host: '::1', port: 7001 });
  const config = loadConfig(
    [
      ...['--id', 'a', '--members', 'a,b,c', '--cluster-secret', 'x'.repeat(16)],
      ...['--peers', 'b=[::1]:7001,c=[::1]:7002', '--http-port', '4040'],
      ...['--peer-http-addresses', 'c=[::1]:4042', '--advertise-address', '[::1]:4040'],
    ],
    {},
  );
  const options = raftFromConfig(config, {
    clock: new ManualClock(0),
    random: () => 0.5,
    logger: pino({ level: 'silent' }),
    observe: ignoreElectionEvents,
    clusterSecret: 'x'.repeat(16),
    kubernetesApi: null,
  });
  assert.equal(options.httpAddressOf('a'), '[::1]:4040');
  assert.equal(options.httpAddressOf('b'), '[::1]:4040', 'the peer host with --http-port');
  assert.equal(options.httpAddressOf('c'), '[::1]:4042');
});
