// The etcd layout against etcd's own client: `etcdctl elect` (Go's concurrency.Election) reads
// elector's leader, and a leader elector did not write is shown with its raw value and token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startChild, type Child } from '../../../lab/child.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import { ElectorError } from '../../../src/core/errors.js';
import {
  createMember,
  startMembers,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
} from './harness.js';

const etcdctl = '/usr/bin/etcdctl';

describe('etcd election read by etcdctl', () => {
  let etcd: EtcdCluster;
  const running: Member[] = [];
  const children: Child[] = [];

  before(async () => {
    etcd = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
  });

  after(async () => {
    await Promise.all(children.map((child) => child.kill()));
    await stopMembers(running);
    await etcd.stop();
  });

  function runEtcdctl(args: readonly string[]): Child {
    const child = startChild(etcdctl, [`--endpoints=${etcd.endpoints.join(',')}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    children.push(child);
    return child;
  }

  test('etcdctl elect -l on the election prefix prints the leader elector reports', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        members = await startMembers(etcd.endpoints, 'interop-listen', 3);
        running.push(...members);
        const leader = await waitForOneLeader(members, 'one elector leader');
        const observer = runEtcdctl(['elect', '-l', 'elector/interop-listen']);
        const printed = await waitFor(
          () => {
            const lines = observer.output().split('\n');
            // etcdctl prints the leader's key, then its value.
            const value = lines.find((line) => line.startsWith('{'));
            return value === undefined ? false : (JSON.parse(value) as { id: string });
          },
          { timeoutMs: 10_000, what: 'etcdctl elect -l to print the leader' },
        );
        assert.equal(printed.id, leader.id);
        assert.equal(printed.id, leader.backend.current().leader);
      },
    );
  });

  test('a leader campaigned with etcdctl elect is shown with its raw value and create revision', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        const campaigner = runEtcdctl(['elect', 'elector/interop-foreign', 'go-proposal-1']);
        // etcdctl prints its key once it leads.
        await waitFor(() => campaigner.output().includes('elector/interop-foreign/'), {
          timeoutMs: 10_000,
          what: 'etcdctl elect to win the empty election',
        });
        members = await startMembers(etcd.endpoints, 'interop-foreign', 2);
        running.push(...members);
        const [first] = members;
        assert.ok(first !== undefined);
        await waitFor(() => first.backend.current().leader === 'go-proposal-1', {
          timeoutMs: 10_000,
          what: 'elector to name the foreign leader by its value',
        });
        const state = first.backend.current();
        const [foreign] = first.backend.members();
        assert.equal(foreign?.id, 'go-proposal-1');
        assert.equal(foreign.role, 'leader');
        assert.ok(foreign.term !== null && foreign.term > 0n);
        assert.equal(state.fencingToken, foreign.term, 'the token is the key create revision');
        assert.ok(members.every((member) => !member.backend.current().isSelf));
        const warnings = first.logs.filter((line) => line.includes('etcd.candidate.malformed'));
        assert.equal(warnings.length, 1, 'the foreign key is logged once');
        assert.match(warnings[0] ?? '', /go-proposal-1/);

        await campaigner.kill('SIGINT');
        const next = await waitForOneLeader(members, 'an elector leader after etcdctl resigned');
        assert.equal(next.id, first.id, 'the first elector member in the queue takes over');
        assert.ok(next.backend.current().fencingToken > state.fencingToken);
      },
    );
  });

  test('a handover to a member queued behind an etcdctl campaigner is refused, and the campaigner is not passed over', async () => {
    let members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        const [leader] = await startMembers(etcd.endpoints, 'interop-handover', 1);
        assert.ok(leader !== undefined);
        members = [leader];
        running.push(leader);
        await waitForOneLeader(members, 'the elector leader');
        const order = (): string[] => leader.backend.members().map((member) => member.id);
        runEtcdctl(['elect', 'elector/interop-handover', 'go-proposal-2']);
        await waitFor(() => order().includes('go-proposal-2'), {
          timeoutMs: 10_000,
          what: 'the leader to list the etcdctl campaigner',
        });
        const target = createMember(etcd.endpoints, 'interop-handover', 'interop-handover-target');
        members.push(target);
        running.push(target);
        await target.start();
        await waitFor(() => order().length === 3, {
          timeoutMs: 10_000,
          what: 'the leader to list the target behind the campaigner',
        });
        const token = leader.backend.current().fencingToken;
        await assert.rejects(
          leader.backend.resign(AbortSignal.timeout(10_000), target.id),
          (error: unknown) =>
            error instanceof ElectorError &&
            error.code === 'TRANSFER_FAILED' &&
            error.message.includes('go-proposal-2'),
        );
        assert.equal(leader.backend.current().isSelf, true, 'the leader still acts');
        assert.equal(leader.backend.current().fencingToken, token, 'with the same token');
        assert.deepEqual(
          order(),
          [leader.id, 'go-proposal-2', target.id],
          'nobody stepped aside or was passed over',
        );
      },
    );
  });
});
