// Three Lease candidates as separate processes on the test apiserver: one holder, quick
// graceful handovers, crash handover only after the lease duration, never two acting at once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { startChild, type Child } from '../../../lab/child.js';
import type { JsonObject } from '../../../lab/kube-apiserver/index.js';
import { watchProcessLog } from '../../../lab/test-log-hooks.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startHarness, type Harness } from './harness.js';

const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

interface Line {
  readonly event?: string;
  readonly at?: number;
  readonly memberId?: string;
  readonly isSelf?: boolean;
  readonly leader?: string | null;
  readonly fencingToken?: string;
}

interface Candidate {
  readonly id: string;
  readonly child: Child;
  /** Wall-clock time at which the test killed it with SIGKILL, if it did. */
  killedAt: number | null;
}

/**
 * Each candidate's `candidate.transition` lines, parsed once as they arrive. The tests poll these
 * every few milliseconds; re-parsing a candidate's whole output on each poll starved the machine
 * once a candidate had logged a few megabytes.
 */
const transitionsByChild = new WeakMap<Child, Line[]>();

function recordTransitions(child: Child): void {
  const lines: Line[] = [];
  transitionsByChild.set(child, lines);
  const stdout = child.process.stdout;
  if (stdout === null) throw new Error('the candidate has no stdout pipe');
  createInterface({ input: stdout }).on('line', (text) => {
    if (!text.startsWith('{') || !text.includes('"candidate.transition"')) return;
    const line = JSON.parse(text) as Line;
    if (line.event === 'candidate.transition') lines.push(line);
  });
}

function transitions(candidate: Candidate): readonly Line[] {
  return transitionsByChild.get(candidate.child) ?? [];
}

function latest(candidate: Candidate): Line | undefined {
  return transitions(candidate).at(-1);
}

/** The [start, end] wall-clock intervals in which a candidate acted as leader. */
function actingIntervals(candidate: Candidate): { start: number; end: number; token: string }[] {
  const intervals: { start: number; end: number; token: string }[] = [];
  let open: { start: number; token: string } | null = null;
  for (const line of transitions(candidate)) {
    if (line.isSelf === true && open === null)
      open = { start: line.at ?? 0, token: line.fencingToken ?? '' };
    if (line.isSelf === false && open !== null) {
      intervals.push({ ...open, end: line.at ?? 0 });
      open = null;
    }
  }
  if (open !== null)
    intervals.push({ ...open, end: candidate.killedAt ?? Number.POSITIVE_INFINITY });
  return intervals;
}

describe('three Lease candidate processes', () => {
  let harness: Harness;
  let candidates: Candidate[] = [];
  const handoverMs: number[] = [];

  before(async () => {
    harness = await startHarness();
    const kubeconfig = join(harness.directory, 'candidates-kubeconfig');
    await harness.server.writeKubeconfig(kubeconfig);
    candidates = ['pod-a', 'pod-b', 'pod-c'].map((id) => ({
      id,
      killedAt: null,
      child: startChild(
        process.execPath,
        [
          '--import',
          'tsx',
          'lab/lease-candidate.ts',
          JSON.stringify({ memberId: id, kubeconfig, leaseName: 'elector', ...timings }),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], cwd: process.cwd() },
      ),
    }));
    for (const candidate of candidates) {
      recordTransitions(candidate.child);
      watchProcessLog(candidate.child, candidate.id);
    }
  });

  after(async () => {
    await Promise.all(candidates.map((candidate) => candidate.child.kill('SIGKILL')));
    await Promise.all(candidates.map((candidate) => candidate.child.closed));
    await harness.close();
  });

  function holder(): Candidate | undefined {
    const acting = candidates.filter(
      (candidate) => latest(candidate)?.isSelf === true && candidate.killedAt === null,
    );
    return acting.length === 1 ? acting[0] : undefined;
  }

  function leaseHolder(): unknown {
    return (
      harness.server.get('leases.coordination.k8s.io', 'default', 'elector')?.spec as
        JsonObject | undefined
    )?.holderIdentity;
  }

  /** Waits for a candidate other than `previous` to act, and returns it with the time it started. */
  async function nextHolder(
    previous: Candidate,
  ): Promise<{ candidate: Candidate; at: number; token: string }> {
    return waitFor(
      () => {
        for (const candidate of candidates) {
          if (candidate === previous) continue;
          const line = latest(candidate);
          if (line?.isSelf === true)
            return { candidate, at: line.at ?? 0, token: line.fencingToken ?? '' };
        }
        return undefined;
      },
      { timeoutMs: 10_000, what: `a holder other than ${previous.id}` },
    );
  }

  test('they elect exactly one holder, which the others follow and the Lease names', async () => {
    const elected = await waitFor(
      () => {
        const current = holder();
        if (current === undefined) return undefined;
        const isFollowed = candidates.every(
          (candidate) => candidate === current || latest(candidate)?.leader === current.id,
        );
        return isFollowed && leaseHolder() === current.id ? current : undefined;
      },
      // Generous: the bound includes three processes starting up (tsx compiles them) on a busy machine.
      { timeoutMs: 60_000, what: 'one holder followed by the other two' },
    );
    assert.equal(candidates.filter((candidate) => latest(candidate)?.isSelf === true).length, 1);
    assert.match(String(latest(candidates.find((c) => c !== elected) ?? elected)?.leader), /^pod-/);
  });

  /** When `candidate` stopped acting last: its first isSelf=false after its last isSelf=true. */
  function stoppedActingAt(candidate: Candidate): number {
    const lines = transitions(candidate);
    const lastStart = lines.findLastIndex((line) => line.isSelf === true);
    const stopped = lines.slice(lastStart + 1).find((line) => line.isSelf === false);
    assert.ok(stopped?.at !== undefined, `${candidate.id} stopped acting`);
    return stopped.at;
  }

  test('a released Lease is taken over at once, with a higher fencing token', async (t) => {
    const handOver = async (previous: Candidate, command: () => void): Promise<void> => {
      const previousToken = BigInt(latest(previous)?.fencingToken ?? '0');
      command();
      const next = await nextHolder(previous);
      handoverMs.push(next.at - stoppedActingAt(previous));
      assert.ok(BigInt(next.token) > previousToken, 'a higher token');
      await waitFor(() => latest(previous)?.leader === next.candidate.id, {
        timeoutMs: 5000,
        what: `${previous.id} to follow ${next.candidate.id}`,
      });
    };
    // Withdrawal (setEligible false) releases the Lease; the member rejoins afterwards.
    for (let round = 0; round < 5; round += 1) {
      const previous = holder();
      assert.ok(previous !== undefined, 'a holder');
      await handOver(previous, () => previous.child.process.stdin?.write('eligible false\n'));
      previous.child.process.stdin?.write('eligible true\n');
    }
    const resigning = holder();
    assert.ok(resigning !== undefined);
    await handOver(resigning, () => resigning.child.process.stdin?.write('resign\n'));
    // The last one leaves for good: SIGTERM resigns and exits.
    const leaving = holder();
    assert.ok(leaving !== undefined);
    const next = nextHolder(leaving);
    leaving.child.process.kill('SIGTERM');
    const taken = await next;
    assert.equal(await leaving.child.exited, 0);
    handoverMs.push(taken.at - stoppedActingAt(leaving));
    candidates = candidates.filter((candidate) => candidate !== leaving);
    const sorted = [...handoverMs].sort((left, right) => left - right);
    t.diagnostic(
      `graceful handover (old stops acting → new acts), ms: ${handoverMs.join(', ')}; median ${sorted[Math.floor(sorted.length / 2)]}`,
    );
    for (const ms of handoverMs)
      assert.ok(ms >= 0, 'the new holder never started before the old one stopped');
  });

  test('after SIGKILL of the holder, a follower takes over only once the lease duration has passed', async (t) => {
    const victim = holder();
    assert.ok(victim !== undefined);
    await waitFor(
      () =>
        candidates.every(
          (candidate) => candidate === victim || latest(candidate)?.leader === victim.id,
        ),
      {
        timeoutMs: 5000,
        what: 'the survivor to follow the holder',
      },
    );
    victim.killedAt = Date.now();
    await victim.child.kill('SIGKILL');
    const next = await nextHolder(victim);
    const takeoverMs = next.at - victim.killedAt;
    t.diagnostic(
      `crash handover (SIGKILL → new holder acts): ${takeoverMs} ms with leaseDuration ${timings.leaseDurationMs} ms`,
    );
    // The victim renewed at most one retry period before it died; nobody may take over sooner
    // than a lease duration after that renewal.
    assert.ok(
      takeoverMs >= timings.leaseDurationMs - timings.retryPeriodMs,
      `took over after ${takeoverMs} ms`,
    );
  });

  test('across the whole run no two candidates acted at the same time', () => {
    const all = [...candidates].flatMap((candidate) =>
      actingIntervals(candidate).map((interval) => ({ ...interval, id: candidate.id })),
    );
    assert.ok(all.length >= 4, `${all.length} terms`);
    all.sort((left, right) => left.start - right.start);
    for (let index = 1; index < all.length; index += 1) {
      const previous = all[index - 1];
      const current = all[index];
      assert.ok(previous !== undefined && current !== undefined);
      assert.ok(
        current.start >= previous.end,
        `${current.id} (token ${current.token}) started at ${current.start}, before ${previous.id} (token ${previous.token}) stopped at ${previous.end}`,
      );
      assert.ok(BigInt(current.token) > BigInt(previous.token));
    }
  });
});
