import type { MemberStatus } from '../backends/backend.js';

/**
 * A member as `GET /cluster/status` shows it: `priority` and `rank` are always present, null
 * where the backend does not know them (so clients need not tell "absent" from "unknown").
 */
export type MemberView = Omit<MemberStatus, 'priority' | 'rank'> & {
  readonly priority: number | null;
  readonly rank: number | null;
};

/** `members` with their priority and rank made explicit (null when the backend left them out). */
export function memberViews(members: readonly MemberStatus[]): MemberView[] {
  return members.map((member) => ({
    ...member,
    priority: member.priority ?? null,
    rank: member.rank ?? null,
  }));
}

/**
 * The rank `members` give the member `id`: 0 while it leads, 1 when it is next, and so on; null
 * when it is not in line (withdrawn, leaving, a learner), the backend does not rank members, or
 * `id` is not among them.
 */
export function rankOf(members: readonly MemberStatus[], id: string): number | null {
  return members.find((member) => member.id === id)?.rank ?? null;
}
