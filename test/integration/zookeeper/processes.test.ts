// Candidates as separate processes against a real standalone ZooKeeper 3.8: what happens to
// leadership when the leader's process is killed or paused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';
import { stopProcess } from '../../../lab/stop-process.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  startCandidateProcess,
  type CandidateEvent,
  type CandidateProcess,
} from './candidate-process.js';

const sessionTimeoutMs = 1600;

describe('zookeeper backend: leader processes that die or stall', () => {
  let cluster: ZooKeeperCluster;
  const processes: CandidateProcess[] = [];
  let elections = 0;

  before(async () => {
    cluster = await startZooKeeper({ tickTimeMs: 200 });
  });

  after(async () => {
    await Promise.all(processes.map((candidate) => candidate.child.kill('SIGKILL')));
    await cluster.stop();
  });

  async function startCandidates(count: number): Promise<CandidateProcess[]> {
    elections += 1;
    const started: CandidateProcess[] = [];
    // One after another, so the queue order is the start order.
    for (let index = 1; index <= count; index += 1) {
      const candidate = startCandidateProcess({
        memberId: `p${index}`,
        connectString: cluster.connectString,
        electionName: `/elector/processes-${elections}`,
        sessionTimeoutMs,
      });
      processes.push(candidate);
      started.push(candidate);
      await candidate.waitForEvent('started');
    }
    return started;
  }

  async function oneLeader(candidates: readonly CandidateProcess[]): Promise<CandidateProcess> {
    return waitFor(
      () => {
        const leaders = candidates.filter((candidate) => candidate.latest()?.isSelf === true);
        const leader = leaders[0];
        if (leaders.length !== 1 || leader === undefined) return false;
        const agree = candidates.every(
          (candidate) => candidate.latest()?.leader === leader.memberId,
        );
        return agree ? leader : false;
      },
      { timeoutMs: 15_000, what: 'exactly one candidate process to lead, followed by all' },
    );
  }

  async function explain(
    candidates: readonly CandidateProcess[],
    body: () => Promise<void>,
  ): Promise<void> {
    try {
      await body();
    } catch (error) {
      const logs = candidates
        .map((candidate) => {
          const tail = candidate.child.output().trimEnd().split('\n').slice(-30).join('\n');
          return `--- ${candidate.memberId} (pid ${candidate.child.pid}) ---\n${tail}`;
        })
        .join('\n');
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n${logs}\n${cluster.logTail(20)}`, { cause: error });
    }
  }

  test('SIGKILL of the leader process hands over to the next candidate after the session timeout', async (t) => {
    const candidates = await startCandidates(3);
    await explain(candidates, async () => {
      const leader = await oneLeader(candidates);
      assert.equal(leader.memberId, 'p1');
      const token = BigInt(leader.latest()?.fencingToken ?? '0');
      const killedAt = Date.now();
      await leader.child.kill('SIGKILL');
      const successor = candidates[1];
      assert.ok(successor !== undefined);
      const took = await successor.waitForEvent('transition', (event) => event.isSelf === true, {
        since: killedAt,
      });
      const handoverMs = took.at - killedAt;
      // The server keeps a dead client's session (and znode) for a session timeout after it
      // last heard from it; a leader heartbeat goes out every timeout/6.
      assert.ok(
        handoverMs >= sessionTimeoutMs / 2,
        `handover after ${handoverMs} ms must wait for the session to expire`,
      );
      assert.ok(BigInt(took.fencingToken ?? '0') > token, 'the fencing token increased');
      const survivors = candidates.filter((candidate) => candidate !== leader);
      assert.equal((await oneLeader(survivors)).memberId, successor.memberId);
      t.diagnostic(`SIGKILL handover: ${handoverMs} ms (session ${sessionTimeoutMs} ms)`);
    });
  });

  test('a leader paused past its session timeout is not acting when it resumes, and its acting never overlaps the new leader', async (t) => {
    const candidates = await startCandidates(3);
    await explain(candidates, async () => {
      const paused = await oneLeader(candidates);
      // Read once the kernel reports it stopped: every sample it took carries an earlier or equal
      // millisecond, and one taken later would be a real violation.
      const pausedAt = await stopProcess(paused.child.pid);
      const others = candidates.filter((candidate) => candidate !== paused);
      const successor = await waitFor(
        () => others.find((candidate) => candidate.latest()?.isSelf === true),
        { timeoutMs: 15_000, what: 'another candidate to lead while the leader is paused' },
      );
      const resumedAt = Date.now();
      process.kill(paused.child.pid, 'SIGCONT');
      const resumed = await paused.waitForEvent('resumed', () => true, { since: resumedAt });
      assert.equal(resumed.isSelf, false, 'right after SIGCONT it reports that it is not acting');
      await paused.waitForEvent(
        'transition',
        (event) => event.leader === successor.memberId && event.role === 'follower',
        { since: resumedAt },
      );

      const pausedActing = paused.events('acting');
      const successorActing = successor.events('acting');
      const lastPausedSample = Math.max(...pausedActing.map((event) => event.at));
      const firstSuccessorSample = Math.min(...successorActing.map((event) => event.at));
      assert.ok(lastPausedSample <= pausedAt, 'no acting sample after the pause');
      assert.ok(lastPausedSample < firstSuccessorSample);
      // The latest instant at which the paused leader could still have acted is the end of the
      // last lease it held; the successor's acting starts only after it.
      const pausedLeaseEnd = Math.max(...pausedActing.map(leaseEnd));
      const successorStart = firstStart(successor.events('transition'), pausedAt);
      assert.ok(
        pausedLeaseEnd < successorStart,
        `paused lease ended ${pausedLeaseEnd}, successor started ${successorStart}`,
      );
      const gapMs = Math.round(successorStart - pausedLeaseEnd);
      t.diagnostic(
        `SIGSTOP: the successor started ${gapMs} ms after the paused leader's lease ended`,
      );
    });
  });
});

function leaseEnd(event: CandidateEvent): number {
  return event.leaseExpiresAtWall ?? event.at;
}

function firstStart(transitions: readonly CandidateEvent[], since: number): number {
  const start = transitions.find((event) => event.isSelf === true && event.at >= since);
  assert.ok(start !== undefined, 'the successor reported that it started acting');
  return start.at;
}
