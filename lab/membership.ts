// Reading the Raft member set a sidecar reports (GET /cluster/status, its `membership` field).
import type { MembershipStatus } from '../src/backends/backend.js';

/** The member set as `GET /cluster/status` serves it. */
export type MembershipAnswer = Pick<
  MembershipStatus,
  'state' | 'configuration' | 'isPending' | 'note'
>;

/** The membership a sidecar reports at `url`, or null when it does not answer (down, cut off). */
export async function membershipAt(url: string): Promise<MembershipAnswer | null> {
  try {
    const response = await fetch(new URL('/cluster/status', url), {
      signal: AbortSignal.timeout(1000),
    });
    return ((await response.json()) as { membership?: MembershipAnswer }).membership ?? null;
  } catch {
    return null;
  }
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
