import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  LeaderSampler,
  startMembers,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
} from './harness.js';

const ttlMs = 2000;
const defaultMarginMs = ttlMs / 5;

describe('etcd election through an etcd outage', () => {
  let etcd: EtcdCluster | undefined;
  let members: Member[] = [];
  let sampler: LeaderSampler | undefined;

  afterEach(async () => {
    sampler?.stop();
    await stopMembers(members);
    members = [];
    await etcd?.stop();
    etcd = undefined;
  });

  /**
   * How long after `since` the member's first onChange in which it no longer acts arrived. The
   * notification comes from a timer or the session's end, so it may trail current() by a little;
   * it is awaited, not assumed to have arrived.
   */
  async function stepDownReportedAfter(member: Member, since: number): Promise<number> {
    const change = await waitFor(
      () => member.changes.find((entry) => entry.at >= since && !entry.state.isSelf) ?? false,
      { timeoutMs: 3000, what: `${member.id} to report its step-down through onChange` },
    );
    return change.at - since;
  }

  test('the leader stops acting within the lease TTL while etcd is paused, and one leader returns after it resumes', async (t) => {
    const cluster = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
    etcd = cluster;
    const server = cluster.members[0];
    assert.ok(server !== undefined);
    await withLogs(
      cluster,
      () => members,
      async () => {
        members = await startMembers(cluster.endpoints, 'pause', 3);
        sampler = new LeaderSampler(() => members);
        const leader = await waitForOneLeader(members, 'a leader before the pause');
        const before = leader.backend.current();

        const pausedAt = systemClock.now();
        server.pause();
        // The deadline counts from a renewal sent before the pause, so it is at most TTL − margin away.
        assert.ok(
          before.leaseExpiresAt !== null &&
            before.leaseExpiresAt <= pausedAt + ttlMs - defaultMarginMs,
        );
        await waitFor(() => members.every((member) => !member.backend.current().isSelf), {
          timeoutMs: ttlMs + 2000,
          what: 'no member to act as leader while etcd is paused',
        });
        const actedForMs = (sampler.actingUntil.get(leader.id) ?? Number.NaN) - pausedAt;
        const reportedAfterMs = await stepDownReportedAfter(leader, pausedAt);
        t.diagnostic(
          `leader's acting deadline ${Math.round(actedForMs)} ms after SIGSTOP (TTL ${ttlMs} ms); onChange reported it after ${Math.round(reportedAfterMs)} ms`,
        );
        assert.ok(actedForMs <= ttlMs, `could act ${Math.round(actedForMs)} ms after etcd froze`);
        // Every member's session ends once its deadline passes, so all re-campaign later.
        await waitFor(
          () => members.every((member) => member.backend.current().role === 'joining'),
          {
            timeoutMs: ttlMs + 4000,
            what: 'every member to give up its session while etcd is paused',
          },
        );

        const resumedAt = systemClock.now();
        server.resume();
        const after = await waitForOneLeader(members, 'one leader after etcd resumes', 15_000);
        const tookOver = after.changes.find(
          (change) => change.at >= resumedAt && change.state.isSelf,
        );
        t.diagnostic(
          `a leader acted again ${Math.round((tookOver?.at ?? Number.NaN) - resumedAt)} ms after SIGCONT`,
        );
        assert.ok(
          after.backend.current().fencingToken > before.fencingToken,
          'the leader after the outage holds a new key (re-campaigned), not the old one',
        );
        assert.deepEqual(sampler.overlaps, [], 'never two acting leaders');
      },
    );
  });

  test('the leader stops acting at once when etcd is killed, and one leader returns after it restarts', async (t) => {
    const cluster = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
    etcd = cluster;
    const server = cluster.members[0];
    assert.ok(server !== undefined);
    await withLogs(
      cluster,
      () => members,
      async () => {
        members = await startMembers(cluster.endpoints, 'kill', 3);
        sampler = new LeaderSampler(() => members);
        const leader = await waitForOneLeader(members, 'a leader before the kill');
        const before = leader.backend.current();

        const killedAt = systemClock.now();
        await server.kill();
        await waitFor(() => members.every((member) => !member.backend.current().isSelf), {
          timeoutMs: ttlMs + 2000,
          what: 'no member to act as leader while etcd is down',
        });
        const stoppedAfterMs = await stepDownReportedAfter(leader, killedAt);
        t.diagnostic(
          `leader stopped acting ${Math.round(stoppedAfterMs)} ms after etcd was killed`,
        );
        assert.ok(
          stoppedAfterMs <= ttlMs,
          `still acted ${Math.round(stoppedAfterMs)} ms after etcd died`,
        );
        await waitFor(
          () => members.every((member) => member.backend.current().role === 'joining'),
          {
            timeoutMs: ttlMs + 4000,
            what: 'every member to give up its session while etcd is down',
          },
        );
        assert.ok(
          members.every((member) => !member.backend.isReady()),
          'no member reports ready without etcd',
        );

        const restartedAt = systemClock.now();
        await server.restart();
        await cluster.waitHealthy();
        const after = await waitForOneLeader(members, 'one leader after etcd restarts', 15_000);
        const tookOver = after.changes.find(
          (change) => change.at >= restartedAt && change.state.isSelf,
        );
        t.diagnostic(
          `a leader acted again ${Math.round((tookOver?.at ?? Number.NaN) - restartedAt)} ms after the restart`,
        );
        assert.ok(
          after.backend.current().fencingToken > before.fencingToken,
          're-campaigned with a new key',
        );
        assert.ok(
          members.every((member) => member.backend.isReady()),
          'every member is ready again',
        );
        const errors = members.flatMap((member) =>
          member.events.filter((event) => event.type === 'backend-error'),
        );
        assert.ok(errors.length > 0, 'the outage was counted as backend errors');
        assert.deepEqual(sampler.overlaps, [], 'never two acting leaders');
      },
    );
  });
});
