// Reading what a sidecar reports on GET /cluster/status: the members it lists, and the Raft
// member set (its `membership` field).
import type { MembershipStatus } from '../src/backends/backend.js';

/** The member set as `GET /cluster/status` serves it. */
export type MembershipAnswer = Pick<
  MembershipStatus,
  'state' | 'configuration' | 'isPending' | 'note'
>;

/** One entry of `members` in `GET /cluster/status` (the fields tests read). */
export interface StatusMember {
  readonly id: string;
  readonly priority: number | null;
  readonly rank: number | null;
}

interface ClusterStatusAnswer {
  readonly members: readonly StatusMember[];
  readonly membership?: MembershipAnswer;
}

/** `GET /cluster/status` of the sidecar at `url`, or null when it does not answer (down, cut off). */
async function clusterStatusAt(url: string): Promise<ClusterStatusAnswer | null> {
  try {
    const response = await fetch(new URL('/cluster/status', url), {
      signal: AbortSignal.timeout(1000),
    });
    return (await response.json()) as ClusterStatusAnswer;
  } catch {
    return null;
  }
}

/** The membership a sidecar reports at `url`, or null when it does not answer (down, cut off). */
export async function membershipAt(url: string): Promise<MembershipAnswer | null> {
  return (await clusterStatusAt(url))?.membership ?? null;
}

/** The members the sidecar at `url` lists, in its order, or null when it does not answer. */
export async function statusMembersAt(url: string): Promise<readonly StatusMember[] | null> {
  return (await clusterStatusAt(url))?.members ?? null;
}

/**
 * Whether the answer shows exactly `members` (in sorted order) as the configuration: final, not
 * joint, known committed, and no change due.
 */
export function holdsMembers(answer: MembershipAnswer | null, members: readonly string[]): boolean {
  const configuration = answer?.configuration;
  return (
    configuration?.outgoing === null &&
    configuration.isCommitted &&
    configuration.voters.join(',') === [...members].sort().join(',') &&
    answer?.isPending === false
  );
}
