// A backend whose connection is unsafe (ZooKeeper without auth, credentials in clear text) says
// so once at start, with an `event`, and in /cluster/status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Logger } from 'pino';
import type { BackendWarning, ElectionBackend } from '../../../src/backends/backend.js';
import { createEtcdBackend } from '../../../src/backends/etcd/etcd-backend.js';
import type { EtcdBackendOptions } from '../../../src/backends/etcd/options.js';
import { createZooKeeperBackend } from '../../../src/backends/zookeeper/zookeeper-backend.js';
import type { ZooKeeperBackendOptions } from '../../../src/backends/zookeeper/options.js';
import { HttpCapacity } from '../../../src/http/http-capacity.js';
import { SidecarMetrics } from '../../../src/http/metrics/sidecar-metrics.js';
import { createHttpApi, listenHttp } from '../../../src/http/server.js';
import { ManualClock } from '../manual-clock.js';
import { stillBackend } from '../http/still-backend.js';
import { captureLogger, type LogLine } from '../workload/fixtures.js';

const services = (logger: Logger) => ({
  clock: new ManualClock(0),
  random: () => 0.5,
  logger,
  observe: () => undefined,
});

function zookeeper(logger: Logger, extra: Partial<ZooKeeperBackendOptions> = {}): ElectionBackend {
  return createZooKeeperBackend({
    memberId: 'm-0',
    address: '127.0.0.1:4040',
    connectString: '127.0.0.1:1',
    electionName: '/elector/test',
    ...services(logger),
    ...extra,
  });
}

function etcd(logger: Logger, extra: Partial<EtcdBackendOptions> = {}): ElectionBackend {
  return createEtcdBackend({
    memberId: 'm-0',
    address: '127.0.0.1:4040',
    endpoints: ['127.0.0.1:1'],
    electionName: 'test',
    ...services(logger),
    ...extra,
  });
}

/** Starts `backend` with a signal already aborted (it connects to nothing) and stops it. */
async function startAndStop(backend: ElectionBackend): Promise<void> {
  await backend.start(AbortSignal.abort());
  await backend.stopped();
}

const warnLines = (lines: readonly LogLine[]): LogLine[] =>
  lines.filter((line) => line.level === 40 && line.event?.startsWith('security.') === true);

const auth = { username: 'alice', password: 's3cret' };

describe('backend connection warnings', () => {
  test('ZooKeeper without auth warns once at start that its znodes are world-writable', async () => {
    const { logger, lines } = captureLogger();
    const backend = zookeeper(logger);
    await startAndStop(backend);
    const warnings = backend.warnings?.() ?? [];
    assert.deepEqual(
      warnings.map((warning) => warning.event),
      ['security.open-acl'],
    );
    assert.match(warnings[0]?.message ?? '', /world:anyone.*--zookeeper-auth-file/);
    const logged = warnLines(lines);
    assert.deepEqual(
      logged.map((line) => [line.event, line.msg]),
      [['security.open-acl', warnings[0]?.message]],
    );
  });

  test('ZooKeeper with digest auth warns that the credentials travel in clear text', async () => {
    const { logger, lines } = captureLogger();
    const backend = zookeeper(logger, { auth: { scheme: 'digest', credentials: 'alice:s3cret' } });
    await startAndStop(backend);
    const warnings = backend.warnings?.() ?? [];
    assert.deepEqual(
      warnings.map((warning) => warning.event),
      ['security.credentials-in-clear'],
    );
    assert.match(warnings[0]?.message ?? '', /clear text.*no TLS/);
    assert.equal(warnLines(lines).length, 1);
    assert.ok(!JSON.stringify(lines).includes('s3cret'), 'the password is never logged');
  });

  test('etcd with a password over http:// endpoints warns that it travels in clear text', async () => {
    const { logger, lines } = captureLogger();
    const backend = etcd(logger, { endpoints: ['http://127.0.0.1:1'], auth });
    await startAndStop(backend);
    const warnings = backend.warnings?.() ?? [];
    assert.deepEqual(
      warnings.map((warning) => warning.event),
      ['security.credentials-in-clear'],
    );
    assert.match(warnings[0]?.message ?? '', /etcd.*clear text.*https:\/\//);
    assert.deepEqual(
      warnLines(lines).map((line) => line.msg),
      [warnings[0]?.message],
    );
  });

  test('etcd over TLS, or without a password, has nothing to warn about', async () => {
    for (const extra of [
      { endpoints: ['https://127.0.0.1:1'], auth },
      { tls: { caFile: '/dev/null' }, auth },
      {},
    ]) {
      const { logger, lines } = captureLogger();
      const backend = etcd(logger, extra);
      await startAndStop(backend);
      assert.deepEqual(backend.warnings?.() ?? [], [], JSON.stringify(extra));
      assert.deepEqual(warnLines(lines), [], JSON.stringify(extra));
    }
  });

  test('/cluster/status lists the warnings, and an empty list when there are none', async () => {
    const warning: BackendWarning = { event: 'security.open-acl', message: 'open ACL' };
    const state = {
      leader: null,
      leaderAddress: null,
      fencingToken: 0n,
      isSelf: false,
      leaseExpiresAt: null,
      term: 0n,
      role: 'follower',
    } as const;
    const unsafe: ElectionBackend = {
      ...stillBackend('zookeeper', state),
      warnings: () => [warning],
    };
    for (const [backend, expected] of [
      [unsafe, ['open ACL']],
      [stillBackend('zookeeper', state), []],
    ] as const) {
      const capacity = new HttpCapacity({ maxConnections: 8, maxStreams: 1, maxLongPolls: 1 });
      const app = createHttpApi({
        id: 'm-0',
        election: 'test',
        backend,
        metrics: new SidecarMetrics({
          id: 'm-0',
          backend: 'zookeeper',
          election: 'test',
          version: '0.0.0',
          clock: new ManualClock(0),
        }),
        logger: captureLogger().logger,
        resignPolicy: { kind: 'loopback' },
        resignTimeoutMs: 1000,
        capacity,
      });
      const { server, port } = await listenHttp(app, '127.0.0.1', 0, capacity);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/cluster/status`);
        const body = (await response.json()) as { warnings?: unknown };
        assert.deepEqual(body.warnings, expected);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }
  });
});
