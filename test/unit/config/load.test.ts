import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
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

test('a Raft mesh needs a cluster secret, and peers must be id=host:port', () => {
  const message = problems(['--id', 'a', '--members', 'a,b,c', '--peers', 'b=host']);
  assert.match(message, /--cluster-secret-file: required/);
  assert.match(message, /--peers: expected "id=host:port" entries; got "b=host"/);
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
