import type { LeaderAnswer, SidecarCluster } from '../lab/sidecar-cluster.js';
import { within } from '../lab/wait-for.js';
import { LeaderWatch } from './leader-watch.js';

export interface SuccessorWatch {
  /** The instant a survivor first reports a leader other than `before` with a higher token; null at the deadline. */
  readonly reportedAt: Promise<number | null>;
  close(): void;
}

/**
 * Opens the watch streams of every member but `before`'s leader and resolves once they are live,
 * so the fault can be injected right after. Rejects if they are not live within `timeoutMs` (a
 * member whose process ended never streams).
 */
export async function watchForSuccessor(
  cluster: SidecarCluster,
  before: LeaderAnswer,
  timeoutMs: number,
): Promise<SuccessorWatch> {
  const survivors = cluster.members.filter((member) => member.id !== before.self);
  const watches = survivors.map(
    (member) => new LeaderWatch(`http://127.0.0.1:${member.httpPort}/leader/watch`),
  );
  const close = (): void => {
    for (const watch of watches) watch.close();
  };
  try {
    await within(
      Promise.all(watches.map((watch) => watch.ready)),
      timeoutMs,
      "the survivors' /leader/watch streams to go live",
    );
  } catch (error) {
    close();
    throw error;
  }
  const isNewLeader = (event: { id: string | null; fencingToken: number | null }): boolean =>
    event.id !== null &&
    event.id !== before.self &&
    (event.fencingToken ?? 0) > (before.fencingToken ?? 0);
  const deadline = new Promise<null>((resolve) => {
    setTimeout(() => {
      resolve(null);
    }, timeoutMs).unref();
  });
  return {
    reportedAt: Promise.race([...watches.map((watch) => watch.next(isNewLeader)), deadline]),
    close,
  };
}
