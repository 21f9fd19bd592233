import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { startChild, type Child } from '../../../lab/child.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  LeaderSampler,
  startMembers,
  stopMembers,
  waitForOneLeader,
  withLogs,
  type Member,
  type MemberOverrides,
} from './harness.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const printedStateSchema = z.object({
  type: z.literal('state'),
  leader: z.string().nullable(),
  isSelf: z.boolean(),
  fencingToken: z.string(),
  role: z.string(),
});

/** Starts lab/etcd-candidate.ts as its own process. */
function startCandidateProcess(
  cluster: EtcdCluster,
  electionName: string,
  memberId: string,
): Child {
  const settings = { memberId, endpoints: cluster.endpoints, electionName, leaseTtlSeconds: 2 };
  return startChild(
    process.execPath,
    ['--import', 'tsx', 'lab/etcd-candidate.ts', JSON.stringify(settings)],
    { cwd: repositoryRoot },
  );
}

/** The last ElectionState the candidate process printed, or undefined. */
function lastPrintedState(child: Child): z.infer<typeof printedStateSchema> | undefined {
  const states = child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{"type":"state"'))
    .map((line) => printedStateSchema.parse(JSON.parse(line)));
  return states.at(-1);
}

async function waitForProcessToLead(child: Child): Promise<bigint> {
  const state = await waitFor(
    () => {
      const last = lastPrintedState(child);
      return last?.isSelf === true ? last : false;
    },
    {
      timeoutMs: 15_000,
      what: `the candidate process to lead; its output: ${child.output().slice(-2000)}`,
    },
  );
  return BigInt(state.fencingToken);
}

describe('etcd election failover', () => {
  let etcd: EtcdCluster;
  const running: Member[] = [];
  const children: Child[] = [];

  before(async () => {
    etcd = await startEtcd({ heartbeatMs: 50, electionTimeoutMs: 500 });
  });

  after(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await stopMembers(running);
    await etcd.stop();
  });

  /**
   * Starts a candidate process `<election>-process` and waits until it leads, then `count`
   * in-process members queued behind it (added to `members` at once, so a failure shows their
   * logs), and waits until they all name the process as leader. Everything started is stopped
   * after the suite.
   */
  async function startBehindProcess(
    election: string,
    count: number,
    members: Member[],
    overrides: MemberOverrides = {},
  ): Promise<{ child: Child; childToken: bigint }> {
    const processId = `${election}-process`;
    const child = startCandidateProcess(etcd, election, processId);
    children.push(child);
    const childToken = await waitForProcessToLead(child);
    const started = await startMembers(etcd.endpoints, election, count, overrides);
    members.push(...started);
    running.push(...started);
    await waitFor(() => members.every((member) => member.backend.current().leader === processId), {
      timeoutMs: 5000,
      what: `every in-process member to name ${processId} as leader`,
    });
    return { child, childToken };
  }

  test('a candidate process killed with SIGKILL hands over only after its lease expires', async (t) => {
    const members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        const { child, childToken } = await startBehindProcess('crash', 2, members);

        const killedAt = systemClock.now();
        await child.kill('SIGKILL');
        const successor = await waitForOneLeader(members, 'a leader after the SIGKILL');
        const tookOver = successor.changes.find(
          (change) => change.at > killedAt && change.state.isSelf,
        );
        assert.ok(tookOver !== undefined, 'the successor reported taking over through onChange');
        const failoverMs = tookOver.at - killedAt;
        t.diagnostic(`failover after SIGKILL with a 2 s lease: ${Math.round(failoverMs)} ms`);

        assert.equal(successor.id, 'crash-0', 'the next candidate in queue order takes over');
        assert.ok(successor.backend.current().fencingToken > childToken, 'fencing token increases');
        // The last renewal went out at most TTL/3 before the kill, so the lease cannot lapse
        // sooner than TTL − TTL/3 ≈ 1333 ms after it; a takeover before that would be unsafe.
        assert.ok(
          failoverMs >= 1000,
          `took over after ${Math.round(failoverMs)} ms, before the lease expired`,
        );
      },
    );
  });

  test('a candidate process sent SIGTERM resigns, so the next takes over without waiting for its lease', async (t) => {
    const members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        const { child } = await startBehindProcess('graceful', 1, members);
        const [successor] = members;
        assert.ok(successor !== undefined);

        const signalledAt = systemClock.now();
        await child.kill('SIGTERM');
        assert.equal(
          await child.exited,
          0,
          `the process exits cleanly: ${child.output().slice(-2000)}`,
        );
        await waitForOneLeader(members, 'the in-process member to take over');
        const tookOver = successor.changes.find(
          (change) => change.at > signalledAt && change.state.isSelf,
        );
        assert.ok(tookOver !== undefined);
        const handoverMs = tookOver.at - signalledAt;
        t.diagnostic(`handover after SIGTERM (resign): ${Math.round(handoverMs)} ms`);
        // Waiting for expiry would take at least TTL − TTL/3 ≈ 1333 ms after the last renewal.
        assert.ok(
          handoverMs < 1300,
          `took ${Math.round(handoverMs)} ms: the lease expired, no resign`,
        );
      },
    );
  });

  test('a failover among twenty candidates wakes only the successor, not the herd', async (t) => {
    const members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        const { child } = await startBehindProcess('herd', 19, members);
        const sampler = new LeaderSampler(() => members);
        const totalWatchEvents = (): number =>
          members.reduce((sum, member) => sum + member.watchEvents(), 0);

        try {
          // Crash failover: the leader's lease expires and etcd deletes its key.
          const beforeCrash = totalWatchEvents();
          await child.kill('SIGKILL');
          const successor = await waitForOneLeader(members, 'a leader after the crash');
          const crashEvents = totalWatchEvents() - beforeCrash;
          t.diagnostic(`watch events for a crash failover among 20 candidates: ${crashEvents}`);
          assert.equal(successor.id, 'herd-0');
          assert.ok(crashEvents >= 1, 'the successor was woken by its watch');
          assert.ok(
            crashEvents <= 2,
            `${crashEvents} watch events: the herd was woken, not just the successor`,
          );

          // Graceful failover: the leader resigns and the next candidate takes over.
          const beforeResign = totalWatchEvents();
          await successor.backend.resign(AbortSignal.timeout(5000));
          const next = await waitForOneLeader(members, 'a leader after the resign');
          const resignEvents = totalWatchEvents() - beforeResign;
          t.diagnostic(`watch events for a resign failover among 19 candidates: ${resignEvents}`);
          assert.equal(next.id, 'herd-1');
          assert.ok(
            resignEvents >= 1 && resignEvents <= 2,
            `${resignEvents} watch events for one resign`,
          );
          // Followers behind the successor watch the leader's key too, only to learn the next
          // leader at once: at most one such notification each, and none wakes them to campaign.
          const leaderNotices = members.reduce(
            (sum, member) => sum + member.leaderWatchEvents(),
            0,
          );
          t.diagnostic(`leader-key notifications over both failovers: ${leaderNotices}`);
          assert.ok(leaderNotices <= 18 + 17, `${leaderNotices} leader-key notifications`);
          assert.deepEqual(sampler.overlaps, [], 'never two acting leaders');
        } finally {
          sampler.stop();
        }
      },
    );
  });

  test('followers behind the successor learn the new leader from a watch, not from their periodic re-read', async (t) => {
    const members: Member[] = [];
    await withLogs(
      etcd,
      () => members,
      async () => {
        // A re-read interval far beyond every deadline below: only a watch can tell them in time.
        const { child } = await startBehindProcess('observe', 3, members, {
          refreshIntervalMs: 600_000,
        });

        const killedAt = systemClock.now();
        await child.kill('SIGKILL');
        const first = await waitForOneLeader(members, 'all three to agree after the crash', 10_000);
        t.diagnostic(
          `crash: all agree on ${first.id} ${Math.round(systemClock.now() - killedAt)} ms after SIGKILL (lease 2 s)`,
        );
        assert.equal(first.id, 'observe-0');
        const [, second, third] = members;
        assert.ok(second !== undefined && third !== undefined);
        // Behind the successor, both heard the leader's key go; the successor was woken by its
        // predecessor watch alone.
        assert.deepEqual(
          members.map((member) => member.leaderWatchEvents()),
          [0, 1, 1],
        );

        const resignedAt = systemClock.now();
        await first.backend.resign(AbortSignal.timeout(5000));
        const next = await waitForOneLeader(members, 'all three to agree after the resign', 5000);
        t.diagnostic(
          `resign: all agree on ${next.id} ${Math.round(systemClock.now() - resignedAt)} ms after the resign`,
        );
        assert.equal(next.id, 'observe-1');
        // observe-1 followed its predecessor, the leader itself; only observe-2 had a leader watch.
        assert.equal(second.leaderWatchEvents(), 1);
        assert.equal(third.leaderWatchEvents(), 2);
      },
    );
  });
});
