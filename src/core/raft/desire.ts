import { isSameMemberSet, sortedMembers } from './configuration.js';

/**
 * Which desired member list is newest, without consensus: a Lamport timestamp `(counter,
 * author)`. A member that starts with a different `--members` list than at its last start stamps
 * that list with a counter above every one it has seen; members pass the newest list they know
 * on. The leader moves the configuration toward the newest list. Counter 0 marks a list that
 * expresses no change (a member's very first start): it founds a cluster but never changes one.
 */
export interface DesireTag {
  readonly counter: number;
  readonly author: string;
}

export interface DesiredMembers extends DesireTag {
  /** Sorted. */
  readonly members: readonly string[];
}

/** Whether `a` is newer than `b` (null: nothing known). Equal tags name the same list. */
export function isNewerDesire(a: DesireTag | null, b: DesireTag | null): boolean {
  if (a === null) return false;
  if (b === null) return true;
  if (a.counter !== b.counter) return a.counter > b.counter;
  return a.counter > 0 && a.author > b.author;
}

export function tagOf(desire: DesiredMembers | null): DesireTag | null {
  return desire === null ? null : { counter: desire.counter, author: desire.author };
}

function newerDesire(a: DesiredMembers | null, b: DesiredMembers | null): DesiredMembers | null {
  return isNewerDesire(b, a) ? b : a;
}

/** The `--members` list a member last started with, and the counter it stamped that list with. */
export interface OwnList {
  /** Sorted. */
  readonly members: readonly string[];
  readonly counter: number;
}

/**
 * A member's own list and its newest known desire after starting with `members`: unchanged when
 * it started with the same list last time; otherwise the new list, stamped newer than every
 * desire it knows (counter 0 on a very first start, which changes nothing).
 */
export function listsAtStart(
  id: string,
  members: readonly string[],
  stored: OwnList | null,
  known: DesiredMembers | null,
): { readonly own: OwnList; readonly desire: DesiredMembers | null } {
  if (stored !== null && isSameMemberSet(stored.members, members)) {
    return { own: stored, desire: known };
  }
  const counter = stored === null ? 0 : Math.max(known?.counter ?? 0, stored.counter) + 1;
  const own = { members: sortedMembers(members), counter };
  return { own, desire: newerDesire(known, { ...own, author: id }) };
}

/** The member list the leader should move to: the newest desire that expresses a change. */
export function targetMembers(desire: DesiredMembers | null): readonly string[] | null {
  return desire !== null && desire.counter > 0 ? desire.members : null;
}
