import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { startChild, type Child } from '../../../lab/child.js';
import { startEtcd, type EtcdCluster } from '../../../lab/etcd-server.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startMembers, stopMembers, waitForOneLeader, withLogs, type Member } from './harness.js';

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
  leaseTtlSeconds: number,
): Child {
  const settings = { memberId, endpoints: cluster.endpoints, electionName, leaseTtlSeconds };
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
    processLeaseTtlSeconds: number,
  ): Promise<{ child: Child; childToken: bigint }> {
    const processId = `${election}-process`;
    const child = startCandidateProcess(etcd, election, processId, processLeaseTtlSeconds);
    children.push(child);
    const childToken = await waitForProcessToLead(child);
    const started = await startMembers(etcd.endpoints, election, count);
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
        const { child, childToken } = await startBehindProcess('crash', 2, members, 2);

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
        // A lease far longer than the wait below: only a resign lets the next take over in time.
        const { child } = await startBehindProcess('graceful', 1, members, 60);
        const [successor] = members;
        assert.ok(successor !== undefined);

        const signalledAt = systemClock.now();
        await child.kill('SIGTERM');
        assert.equal(
          await child.exited,
          0,
          `the process exits cleanly: ${child.output().slice(-2000)}`,
        );
        await waitForOneLeader(members, 'the in-process member to take over', 10_000);
        const tookOver = successor.changes.find(
          (change) => change.at > signalledAt && change.state.isSelf,
        );
        assert.ok(tookOver !== undefined, 'the successor reported taking over through onChange');
        t.diagnostic(
          `handover after SIGTERM (resign): ${Math.round(tookOver.at - signalledAt)} ms`,
        );
      },
    );
  });
});
