// Reading the Raft member set a sidecar reports (GET /cluster/status, its `membership` field).

export interface MembershipAnswer {
  readonly state: string;
  readonly configuration: {
    readonly version: number;
    readonly voters: readonly string[];
    readonly outgoing: readonly string[] | null;
    readonly isCommitted: boolean;
  } | null;
  readonly isPending: boolean;
  readonly note: string | null;
}

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
