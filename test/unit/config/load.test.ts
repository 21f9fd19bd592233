import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commandLineSecretWarnings,
  loadConfig,
  unknownVariableWarnings,
} from '../../../src/config/load.js';
import { ElectorError } from '../../../src/core/errors.js';

function problems(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(argv, env);
  } catch (error) {
    assert.ok(error instanceof ElectorError && error.code === 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

test('defaults give a one-member Raft election on the documented ports', () => {
  const config = loadConfig(['--id', 'a'], {});
  assert.equal(config.backend, 'raft');
  assert.equal(config.httpPort, 4040);
  assert.equal(config.peerPort, 7946);
  assert.equal(config.heartbeatIntervalMs, 100);
  assert.equal(config.electionTimeoutMs, 500);
});

test('flags win over environment variables, and both accept durations with units', () => {
  const config = loadConfig(['--election-timeout', '2s'], {
    ELECTOR_ID: 'b',
    ELECTOR_ELECTION_TIMEOUT: '900ms',
    ELECTOR_HEARTBEAT_INTERVAL: '150ms',
  });
  assert.equal(config.id, 'b');
  assert.equal(config.electionTimeoutMs, 2000);
  assert.equal(config.heartbeatIntervalMs, 150);
});

test('every problem is reported at once, each naming its flag or variable', () => {
  const message = problems(['--id', 'a', '--backend', 'etc', '--http-port', '70000'], {
    ELECTOR_LOG_LEVEL: 'loud',
  });
  assert.match(message, /--backend: expected one of raft, etcd, zookeeper, kubernetes; got "etc"/);
  assert.match(message, /--http-port: expected a port in 0\.\.65535; got "70000"/);
  assert.match(
    message,
    /ELECTOR_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent; got "loud"/,
  );
});

test('secrets are never echoed in an error', () => {
  const message = problems(['--id', 'a', '--cluster-secret', 'short']);
  assert.match(message, /--cluster-secret: expected at least 16 characters; got \(hidden\)/);
  assert.doesNotMatch(message, /short"/);
});

test('the cluster secret as a flag together with its file is refused naming both', () => {
  const message = problems([
    '--id',
    'a',
    '--cluster-secret',
    'a-secret-of-sixteen-or-more',
    '--cluster-secret-file',
    '/run/secret',
  ]);
  assert.match(message, /--cluster-secret and --cluster-secret-file: both given; give only one/);
  assert.doesNotMatch(message, /a-secret-of-sixteen/);
  const fromEnvironment = problems(['--id', 'a', '--cluster-secret-file', '/run/secret'], {
    ELECTOR_CLUSTER_SECRET: 'a-secret-of-sixteen-or-more',
  });
  assert.match(fromEnvironment, /ELECTOR_CLUSTER_SECRET and --cluster-secret-file: both given/);
});

test('a secret given as a flag draws a warning naming the flag and the safer ways; its file does not', () => {
  const secret = 'a-secret-of-sixteen-or-more';
  for (const argv of [
    ['--id', 'a', '--cluster-secret', secret],
    ['--id', 'a', `--cluster-secret=${secret}`],
  ]) {
    const warnings = commandLineSecretWarnings(argv);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(
      warnings[0] ?? '',
      /^--cluster-secret: a secret on the command line is visible .*ps.*; use --cluster-secret-file or ELECTOR_CLUSTER_SECRET$/,
    );
    assert.doesNotMatch(warnings[0] ?? '', new RegExp(secret));
  }
  assert.deepEqual(commandLineSecretWarnings(['--id', 'a', '--cluster-secret-file', '/run/s']), []);
});

test('a Raft mesh needs a cluster secret, and peers must be id=host:port', () => {
  const message = problems(['--id', 'a', '--members', 'a,b,c', '--peers', 'b=host']);
  assert.match(message, /--cluster-secret-file: required/);
  assert.match(
    message,
    /--peers: expected "id=host:port" entries \(an IPv6 host in brackets: "id=\[::1\]:7946"\); got "b=host"/,
  );
});

test('backend settings are required with their backend', () => {
  assert.match(
    problems(['--id', 'a', '--backend', 'etcd']),
    /--etcd-endpoints: required with --backend etcd/,
  );
  assert.match(problems(['--id', 'a', '--backend', 'zookeeper']), /--zookeeper-connect: required/);
  assert.match(
    problems(['--id', 'a', '--backend', 'kubernetes']),
    /--namespace: required with --backend kubernetes/,
  );
});

test('the member ID is required', () => {
  assert.match(problems([]), /--id: required \(or ELECTOR_ID\)/);
});

test('Go durations are accepted by every duration flag and variable', () => {
  const config = loadConfig(
    [
      '--id',
      'a',
      '--shutdown-timeout',
      '1m30s',
      '--leave-timeout=0.1h',
      '--election-timeout',
      '1500000us',
    ],
    { ELECTOR_HOOK_TIMEOUT: '2m0.5s' },
  );
  assert.equal(config.shutdownTimeoutMs, 90_000);
  assert.equal(config.leaveTimeoutMs, 360_000);
  assert.equal(config.electionTimeoutMs, 1500);
  assert.equal(config.hookTimeoutMs, 120_500);
});

test("a duration below the timers' millisecond, or negative, is refused naming the flag", () => {
  assert.match(
    problems(['--id', 'a', '--heartbeat-interval', '500us']),
    /--heartbeat-interval: expected a duration such as 500ms, 5s, 1m30s or 1h \(not a whole number of milliseconds \(timers resolve 1 ms\)\); got "500us"/,
  );
  assert.match(
    problems(['--id', 'a', '--leave-timeout', '-1s']),
    /--leave-timeout: expected at least 0 ms; got "-1s"/,
  );
});

test('IPv6 literals in brackets are accepted in peers, HTTP addresses and the advertise address', () => {
  const config = loadConfig(
    [
      ...['--id', 'a', '--members', 'a,b,c', '--cluster-secret', 'x'.repeat(16)],
      ...['--peers', 'b=[::1]:7001,c=[fd00::2]:7002', '--advertise-address', '[::1]:4040'],
      ...['--peer-http-addresses', 'b=[::1]:4041', '--http-host', '[::1]', '--peer-host', '::'],
      ...['--etcd-endpoints', '[::1]:2379,http://[::1]:2380'],
    ],
    {},
  );
  assert.deepEqual(config.peers, ['b=[::1]:7001', 'c=[fd00::2]:7002']);
  assert.equal(config.advertiseAddress, '[::1]:4040');
  assert.equal(config.httpHost, '::1', 'a listen host loses its brackets');
  assert.equal(config.peerHost, '::');
  assert.deepEqual(config.etcdEndpoints, ['[::1]:2379', 'http://[::1]:2380']);
});

test('an address with an unbracketed or malformed IPv6 literal is refused naming the flag', () => {
  const message = problems([
    ...['--id', 'a', '--members', 'a,b,c', '--cluster-secret', 'x'.repeat(16)],
    ...['--peers', 'b=::1:7001,c=[zz::1]:7002'],
  ]);
  assert.match(message, /--peers: expected "id=host:port" entries .*; got "b=::1:7001"/);
  assert.match(message, /--peers: expected "id=host:port" entries .*; got "c=\[zz::1\]:7002"/);
  assert.match(
    problems(['--id', 'a', '--advertise-address', '::1:4040']),
    /--advertise-address: expected host:port or \[ipv6\]:port; got "::1:4040"/,
  );
});

test('the ZooKeeper connect string refuses an IPv6 literal its client library would misread', () => {
  assert.match(
    problems(['--id', 'a', '--backend', 'zookeeper', '--zookeeper-connect', '[::1]:2181']),
    /--zookeeper-connect: an IPv6 literal cannot be given here .*; got "\[::1\]:2181"/,
  );
});

test('a boolean flag alone means true, and still takes a value', () => {
  assert.equal(loadConfig(['--id', 'a', '--pod-events'], {}).podEvents, true);
  assert.equal(loadConfig(['--pod-events', '--id', 'a'], {}).podEvents, true);
  assert.equal(loadConfig(['--id', 'a', '--pod-events', 'false'], {}).podEvents, false);
  assert.equal(loadConfig(['--id', 'a', '--pod-events=false'], {}).podEvents, false);
  assert.equal(loadConfig(['--id', 'a', '--namespace', 'n', '--pod-labels'], {}).podLabels, 'true');
  assert.equal(loadConfig(['--id', 'a', '--pod-labels', 'auto'], {}).podLabels, 'auto');
  assert.match(problems(['--id', 'a', '--election']), /--election: expected a value/);
});

test('a flag given twice is refused naming it and both values', () => {
  assert.match(
    problems(['--id', 'a', '--election-timeout', '1s', '--election-timeout=2s']),
    /--election-timeout: given twice \("1s" and "2s"\); give it once/,
  );
  assert.match(
    problems(['--id', 'a', '--peers', 'b=h:1', '--peers', 'c=h:2']),
    /--peers: given twice \("b=h:1" and "c=h:2"\); give it once, with a comma-separated list/,
  );
  const secret = problems([
    '--id',
    'a',
    '--cluster-secret',
    'y'.repeat(16),
    '--cluster-secret',
    'z'.repeat(16),
  ]);
  assert.match(secret, /--cluster-secret: given twice \(\(hidden\) and \(hidden\)\)/);
  assert.doesNotMatch(secret, /yyyy|zzzz/);
  assert.equal(
    loadConfig(['--id', 'a'], { ELECTOR_ID: 'b' }).id,
    'a',
    'a flag still wins over its variable',
  );
});

test('an unknown ELECTOR_ variable is a warning naming it and the nearest known name', () => {
  assert.deepEqual(
    unknownVariableWarnings({
      ELECTOR_ELECTON_TIMEOUT: '1s',
      ELECTOR_ID: 'a',
      ELECTOR_SEED: '7',
      ELECTOR_ROLE: 'leader',
      PATH: '/bin',
    }),
    [
      'ELECTOR_ELECTON_TIMEOUT: not a setting elector knows, ignored (did you mean ELECTOR_ELECTION_TIMEOUT?)',
    ],
  );
  assert.deepEqual(unknownVariableWarnings({ ELECTOR_BACKEND: 'raft' }), []);
  assert.match(
    unknownVariableWarnings({ ELECTOR_PEER: 'x' }).join('\n'),
    /ELECTOR_PEER: .*did you mean ELECTOR_PEERS\?/,
  );
});

test('when loading fails, an unknown ELECTOR_ variable is listed after the problems as the likely cause', () => {
  assert.equal(
    problems([], { ELECTOR_IDD: 'a' }),
    [
      "--id: required (or ELECTOR_ID): this member's unique, stable ID, e.g. the pod name",
      'ELECTOR_IDD: not a setting elector knows, ignored (did you mean ELECTOR_ID?)',
    ].join('\n'),
  );
});
