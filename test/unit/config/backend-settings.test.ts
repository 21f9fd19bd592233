// The backends' settings are checked once, here in the option table (and, for a credential
// file's content, by the backend's mapping from the settings); the backends only apply defaults.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { BackendRuntime } from '../../../src/backends/backend-runtime.js';
import { zookeeperFromConfig } from '../../../src/backends/zookeeper/config.js';
import { loadConfig } from '../../../src/config/load.js';
import { readSecretFile } from '../../../src/config/secret-file.js';
import { ignoreElectionEvents } from '../../../src/core/election-events.js';
import { ElectorError } from '../../../src/core/errors.js';
import { ManualClock } from '../manual-clock.js';

function problems(argv: readonly string[]): string {
  try {
    loadConfig(['--id', 'a', ...argv], {});
  } catch (error) {
    assert.ok(error instanceof ElectorError && error.code === 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

const etcd = (...argv: string[]): string[] => ['--backend', 'etcd', ...argv];
const zookeeper = (...argv: string[]): string[] => ['--backend', 'zookeeper', ...argv];

test('etcd endpoints are host:port or http(s)://host:port, IPv6 in brackets, one scheme for all', () => {
  const accepted = loadConfig(
    ['--id', 'a', ...etcd('--etcd-endpoints', 'https://[::1]:2379,https://etcd-1:2379/')],
    {},
  );
  assert.deepEqual(accepted.etcdEndpoints, ['https://[::1]:2379', 'https://etcd-1:2379/']);
  assert.match(
    problems(etcd('--etcd-endpoints', 'etcd-0:2379,etcd-1')),
    /^--etcd-endpoints: expected host:port or http\(s\):\/\/host:port, comma-separated; got "etcd-0:2379,etcd-1"$/m,
  );
  assert.match(
    problems(etcd('--etcd-endpoints', 'http://etcd-0:2379,https://etcd-1:2379')),
    /^--etcd-endpoints: expected all http:\/\/ or all https:\/\/; got "http:\/\/etcd-0:2379,https:\/\/etcd-1:2379"$/m,
  );
  assert.match(
    problems(etcd('--etcd-endpoints', 'etcd-0:2379,https://etcd-1:2379')),
    /^--etcd-endpoints: expected all http:\/\/ or all https:\/\//m,
    'an endpoint without a scheme is http:// unless the TLS options are set',
  );
  assert.match(
    problems(etcd('--etcd-endpoints', 'http://etcd-0:2379', '--etcd-ca-file', '/ca.pem')),
    /^--etcd-endpoints: the TLS options are set, so expected https:\/\/ or no scheme$/m,
  );
});

test('the etcd lease TTL is whole seconds from 1 s to an hour', () => {
  assert.match(
    problems(etcd('--etcd-endpoints', 'etcd:2379', '--etcd-lease-ttl', '1500ms')),
    /^--etcd-lease-ttl: expected whole seconds, such as 5s; got "1500ms"$/m,
  );
  assert.match(
    problems(etcd('--etcd-endpoints', 'etcd:2379', '--etcd-lease-ttl', '2h')),
    /^--etcd-lease-ttl: expected at most 3600000 ms; got "2h"$/m,
  );
});

test('the ZooKeeper connect string is host:port[,host:port...] without a chroot suffix', () => {
  assert.equal(
    loadConfig(['--id', 'a', ...zookeeper('--zookeeper-connect', 'zk-0:2181, zk-1:2181')], {})
      .zookeeperConnect,
    'zk-0:2181, zk-1:2181',
  );
  assert.match(
    problems(zookeeper('--zookeeper-connect', 'zk-0:2181/team')),
    /^--zookeeper-connect: expected host:port\[,host:port\.\.\.\] without a chroot suffix; use --zookeeper-chroot; got "zk-0:2181\/team"$/m,
  );
  assert.match(
    problems(zookeeper('--zookeeper-connect', 'zk-0:2181,zk-1')),
    /^--zookeeper-connect: expected host:port\[,host:port\.\.\.\]; got "zk-0:2181,zk-1"$/m,
  );
});

test('a bracketed IPv6 ZooKeeper server is refused, naming what the client can dial', () => {
  const message = problems(zookeeper('--zookeeper-connect', 'zk-0:2181,[::1]:2181'));
  assert.match(
    message,
    /^--zookeeper-connect: an IPv6 literal cannot be given here \(the ZooKeeper client splits host:port at ":"\); expected host:port\[,host:port\.\.\.\] with host names or IPv4 addresses, .*; got "zk-0:2181,\[::1\]:2181"$/,
  );
  assert.equal(message.split('\n').length, 1, 'one line: the format check does not repeat it');
});

test('the ZooKeeper chroot follows the server path rules', () => {
  for (const chroot of ['team-a', '/team-a/', '/a//b']) {
    assert.match(
      problems(zookeeper('--zookeeper-connect', 'zk:2181', '--zookeeper-chroot', chroot)),
      /^--zookeeper-chroot: expected an absolute znode path such as \/team-a; got /m,
      chroot,
    );
  }
  assert.match(
    problems(zookeeper('--zookeeper-connect', 'zk:2181', '--zookeeper-chroot', '/a/../b')),
    /^--zookeeper-chroot: expected no "\." or "\.\." path segments; got "\/a\/\.\.\/b"$/m,
  );
});

test('the Lease name and the namespace are Kubernetes names', () => {
  const kubernetes = ['--backend', 'kubernetes', '--namespace', 'shop'];
  for (const leaseName of ['Orders_Leader', 'orders..leader', 'orders.-leader']) {
    assert.match(
      problems([...kubernetes, '--lease-name', leaseName]),
      /^--lease-name: expected a DNS subdomain name; got /m,
      leaseName,
    );
  }
  assert.equal(
    loadConfig(['--id', 'a', ...kubernetes, '--lease-name', 'orders.leader-1'], {}).leaseName,
    'orders.leader-1',
  );
  assert.match(
    problems(['--backend', 'kubernetes', '--namespace', 'Shop']),
    /^--namespace: expected a namespace name \(DNS label\); got "Shop"$/m,
  );
});

test('a ZooKeeper auth file without "user:password" is refused without echoing it', () => {
  const directory = mkdtempSync(join(tmpdir(), 'elector-zookeeper-auth-'));
  const authFile = join(directory, 'auth');
  const runtime: BackendRuntime = {
    clock: new ManualClock(0),
    random: () => 0.5,
    logger: pino({ level: 'silent' }),
    observe: ignoreElectionEvents,
    clusterSecret: null,
    kubernetesApi: null,
  };
  const config = loadConfig(
    [
      '--id',
      'a',
      ...zookeeper('--zookeeper-connect', 'zk:2181', '--zookeeper-auth-file', authFile),
    ],
    {},
  );
  writeFileSync(authFile, 'elector:s3cret\n');
  assert.deepEqual(zookeeperFromConfig(config, runtime).auth, {
    scheme: 'digest',
    credentials: 'elector:s3cret',
  });
  writeFileSync(authFile, 'no-colon-secret\n');
  assert.throws(
    () => zookeeperFromConfig(config, runtime),
    (error: unknown) => {
      assert.ok(error instanceof ElectorError && error.code === 'CONFIG_INVALID');
      assert.match(
        error.message,
        /^--zookeeper-auth-file: expected the file to hold "user:password"; got \(redacted\) from ".*auth"$/,
      );
      assert.doesNotMatch(error.message, /no-colon-secret/);
      return true;
    },
  );
});

test("the Raft mesh's member IDs and its cluster secret, which the peer transport takes as given", () => {
  assert.match(
    problems(['--members', 'a,b,b', '--cluster-secret', 'sixteen-chars-ok']),
    /^--members: .*duplicate member ID "b"/m,
  );
  const directory = mkdtempSync(join(tmpdir(), 'elector-cluster-secret-'));
  const secretFile = join(directory, 'secret');
  writeFileSync(secretFile, 'short\n');
  assert.throws(
    () => readSecretFile(secretFile, '--cluster-secret-file', 16),
    /^ElectorError: --cluster-secret-file: cannot use ".*secret": shorter than 16 characters$/,
  );
  assert.equal(readSecretFile(secretFile, '--etcd-password-file'), 'short');
  assert.throws(
    () => readSecretFile(join(directory, 'absent'), '--etcd-password-file'),
    /^ElectorError: --etcd-password-file: cannot use ".*absent": ENOENT/,
  );
});
