import type { SidecarCluster } from '../../lab/sidecar-cluster.js';
import { within } from '../../lab/wait-for.js';
import { watchForSuccessor } from '../successor-watch.js';

export type FailoverMode = 'crash' | 'graceful';

/** Counters read at one instant, by name; a trial reports how much each grew across the failover. */
export type Counts<Name extends string> = Readonly<Record<Name, number>>;

export interface CountedFailover<Name extends string> {
  /** From the signal until the first survivor's /leader/watch names the new leader; null if none did. */
  readonly failoverMs: number | null;
  /** From the signal until polling found every survivor naming the same new leader; null if they did not. */
  readonly agreedMs: number | null;
  /** Growth of each counter from just before the signal until the survivors agreed; null if they did not. */
  readonly counted: Counts<Name> | null;
  /** Members whose process had ended on its own before this trial, and were started again. */
  readonly restarted: readonly string[];
}

export interface TrialDeadlines {
  /** For every member (the restarted old leader included) to agree before the fault. */
  readonly settleMs: number;
  /** For the first survivor to report the new leader, and then for all of them to agree. */
  readonly failoverMs: number;
}

/**
 * One failover with counters: waits until every member agrees on a leader, opens the survivors'
 * watch streams, reads `count(survivors)`, signals the leader (SIGKILL for crash, SIGTERM for
 * graceful), waits for its exit and for the survivors to agree on a new leader, and reads
 * `count(survivors)` again. The old leader is started again afterwards, so it rejoins only once the
 * counting is over. Rejects, rather than hangs, if the members never agree before the fault, their
 * watch streams do not go live, or their counters do not answer, each within its deadline.
 */
export async function runCountedFailover<Name extends string>(
  cluster: SidecarCluster,
  mode: FailoverMode,
  count: (survivors: readonly string[]) => Promise<Counts<Name>>,
  deadlines: TrialDeadlines,
): Promise<CountedFailover<Name>> {
  // A survivor without a process would never open its watch stream, and the trial would hang.
  const restarted = restartExited(cluster);
  const before = await cluster.waitForAgreedLeader(
    'all members agree before the fault',
    deadlines.settleMs,
  );
  const survivors = cluster.members
    .filter((member) => member.id !== before.self)
    .map((member) => member.id);
  const watch = await watchForSuccessor(cluster, before, deadlines.failoverMs);
  const countSurvivors = (): Promise<Counts<Name>> =>
    within(count(survivors), deadlines.failoverMs, "the survivors' counters");
  try {
    const countsBefore = await countSurvivors();
    const faultAt = performance.now();
    const stopped = cluster.stopMember(before.self, mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
    const reportedAt = await watch.reportedAt;
    await stopped;
    let agreedAt: number | null = null;
    try {
      await cluster.waitForAgreedLeader(
        'the survivors agree on a new leader',
        deadlines.failoverMs,
        [before.self],
      );
      agreedAt = performance.now();
    } catch (error) {
      console.error(`${mode} of ${before.self}: ${String(error)}`);
    }
    const counted = agreedAt === null ? null : growth(countsBefore, await countSurvivors());
    return {
      failoverMs: reportedAt === null ? null : reportedAt - faultAt,
      agreedMs: agreedAt === null ? null : agreedAt - faultAt,
      counted,
      restarted,
    };
  } finally {
    watch.close();
    // Not yet signalled if counting failed before the fault.
    if (cluster.member(before.self).child === null) cluster.startMember(before.self);
  }
}

function growth<Name extends string>(before: Counts<Name>, after: Counts<Name>): Counts<Name> {
  const names = Object.keys(before) as Name[];
  return Object.fromEntries(
    names.map((name) => [name, after[name] - before[name]]),
  ) as Counts<Name>;
}

/** Starts again every member whose process has ended, and says so on stderr with its last output. */
function restartExited(cluster: SidecarCluster): string[] {
  const exited = cluster.members.filter((member) => member.child === null);
  for (const member of exited) {
    const ending = member.lastExit;
    console.error(
      `${member.id} had exited (${ending === null ? 'never started' : String(ending.code)}); starting it again. Its last output:\n${ending?.output ?? ''}`,
    );
    cluster.startMember(member.id);
  }
  return exited.map((member) => member.id);
}
