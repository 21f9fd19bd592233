import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ElectorError } from '../../../src/core/errors.js';
import { startChild } from '../../../lab/child.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import {
  actingLeaders,
  createMember,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
} from './harness.js';

describe('etcd backend against an etcd with default timing (minimum lease TTL 2 s)', () => {
  let etcd: EtcdCluster;
  const running: Member[] = [];

  before(async () => {
    etcd = await startEtcd();
  });

  after(async () => {
    await stopMembers(running);
    await etcd.stop();
  });

  test('a lease TTL below the minimum etcd grants is refused at start with a clear message', async () => {
    await withLogs(
      etcd,
      () => running,
      async () => {
        const member = createMember(etcd.endpoints, 'ttl', 'ttl-too-short', { leaseTtlSeconds: 1 });
        running.push(member);
        await assert.rejects(member.start(), (error: unknown) => {
          assert.ok(error instanceof ElectorError);
          assert.equal(error.code, 'CONFIG_INVALID');
          assert.equal(error.retryable, false);
          assert.match(
            error.message,
            /^leaseTtlSeconds: etcd raised the lease TTL from 1 s to 2 s/,
          );
          assert.match(error.message, /expected 2 to 9000000000; got 1$/);
          return true;
        });
        await member.stop();
        assert.equal(member.backend.isReady(), false);
        assert.deepEqual(
          member.events.filter((event) => event.type === 'backend-error'),
          [{ type: 'backend-error', operation: 'grant', code: 'CONFIG_INVALID' }],
        );
        assert.equal(
          member.logs.filter((line) => line.includes('"code":"CONFIG_INVALID"')).length,
          1,
          'one log line',
        );

        assert.equal(
          await etcd.countKeys('elector/ttl/'),
          0,
          'the refused member left no key behind',
        );

        // The minimum itself is accepted.
        const accepted = createMember(etcd.endpoints, 'ttl', 'ttl-minimum', { leaseTtlSeconds: 2 });
        running.push(accepted);
        await accepted.start();
        assert.equal(await etcd.countKeys('elector/ttl/'), 1);
        await accepted.stop();
      },
    );
  });

  // Runs last in this block: it turns on authentication for this etcd.
  test('with etcd authentication on, the right credentials campaign and wrong ones are refused for good', async () => {
    await withLogs(
      etcd,
      () => running,
      async () => {
        for (const args of [
          ['user', 'add', 'root', '--new-user-password=secret', '--interactive=false'],
          ['user', 'grant-role', 'root', 'root'],
          ['auth', 'enable'],
        ]) {
          const etcdctl = startChild(
            '/usr/bin/etcdctl',
            [`--endpoints=${etcd.endpoints.join(',')}`, ...args],
            {
              env: { ...process.env, ETCDCTL_API: '3' },
            },
          );
          assert.equal(await etcdctl.exited, 0, `etcdctl ${args.join(' ')}: ${etcdctl.output()}`);
        }

        const authorised = createMember(etcd.endpoints, 'auth', 'auth-right', {
          auth: { username: 'root', password: 'secret' },
        });
        running.push(authorised);
        await authorised.start();
        await waitForOneLeader([authorised], 'the authorised member to lead');

        for (const [id, auth] of [
          ['auth-wrong', { auth: { username: 'root', password: 'wrong' } }],
          ['auth-none', {}],
        ] as const) {
          const refused = createMember(etcd.endpoints, 'auth', id, auth);
          running.push(refused);
          await assert.rejects(refused.start(), (error: unknown) => {
            assert.ok(error instanceof ElectorError);
            assert.equal(error.code, 'BACKEND_UNAVAILABLE');
            assert.equal(error.retryable, false, 'refused credentials are not retried blindly');
            assert.match(error.message, /check auth\.username, auth\.password/);
            return true;
          });
          await refused.stop();
        }
        const electionMembers = running.filter((member) => member.id.startsWith('auth-'));
        assert.deepEqual(
          actingLeaders(electionMembers).map((member) => member.id),
          ['auth-right'],
        );
        const secretLeaked = running.some((member) =>
          member.logs.some((line) => line.includes('secret')),
        );
        assert.equal(secretLeaked, false, 'the password never reaches the log');
      },
    );
  });
});

describe('etcd backend over TLS with client certificates', () => {
  let etcd: EtcdCluster;
  const running: Member[] = [];

  before(async () => {
    etcd = await startEtcd({ tls: true, heartbeatMs: 50, electionTimeoutMs: 500 });
  });

  after(async () => {
    await stopMembers(running);
    await etcd.stop();
  });

  test('a member with the CA and a client certificate campaigns over TLS', async () => {
    await withLogs(
      etcd,
      () => running,
      async () => {
        assert.ok(etcd.tls !== undefined);
        const member = createMember(etcd.endpoints, 'tls', 'tls-0', { tls: etcd.tls });
        running.push(member);
        await member.start();
        await waitForOneLeader([member], 'the TLS member to lead');
        assert.equal(await etcd.countKeys('elector/tls/'), 1);
      },
    );
  });

  test('an unreadable TLS file is refused at start, naming the option and the path', async () => {
    assert.ok(etcd.tls !== undefined);
    const member = createMember(etcd.endpoints, 'tls', 'tls-missing', {
      tls: { ...etcd.tls, caFile: '/nonexistent/ca.pem' },
    });
    running.push(member);
    await assert.rejects(member.start(), (error: unknown) => {
      assert.ok(error instanceof ElectorError);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /^tls\.caFile: cannot read "\/nonexistent\/ca\.pem"/);
      return true;
    });
  });
});
