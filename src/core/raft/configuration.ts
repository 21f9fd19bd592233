import { quorumSize } from './config.js';

/**
 * Where a configuration entry stands in the chain of entries, compared as Raft compares logs
 * (§5.4.1): by the term of the leader that created it, then by its index.
 */
export interface ConfigurationId {
  readonly index: number;
  readonly term: number;
}

/**
 * The voting members of the cluster, as replicated Raft state (thesis §4.3). The chain of
 * entries is the whole replicated log of this election-only Raft: each entry supersedes the one
 * before it, so a member keeps only its newest. A joint entry (`outgoing` set) needs majorities
 * of both member sets for every decision.
 */
export interface Configuration extends ConfigurationId {
  /** Counts changes of the member set: 1 when founded, +1 for each joint and each final entry. */
  readonly version: number;
  /** The members that vote: the new set while a joint change is under way. Sorted. */
  readonly voters: readonly string[];
  /** The previous voters during a joint change, else null. Sorted. */
  readonly outgoing: readonly string[] | null;
}

/** The position of a member that holds no configuration: below every real entry. */
const noConfigurationId: ConfigurationId = Object.freeze({ index: 0, term: 0 });

export function idOf(configuration: Configuration | null): ConfigurationId {
  return configuration === null
    ? noConfigurationId
    : { index: configuration.index, term: configuration.term };
}

/** Negative when `a` is older than `b`, zero when they name the same entry, positive when newer. */
export function compareConfigurationIds(a: ConfigurationId, b: ConfigurationId): number {
  return a.term !== b.term ? a.term - b.term : a.index - b.index;
}

export function isSameConfigurationId(a: ConfigurationId, b: ConfigurationId): boolean {
  return a.term === b.term && a.index === b.index;
}

export function sortedMembers(members: readonly string[]): readonly string[] {
  return [...new Set(members)].sort();
}

/** Whether two member lists name the same set. */
export function isSameMemberSet(a: readonly string[], b: readonly string[]): boolean {
  const left = sortedMembers(a);
  const right = sortedMembers(b);
  return left.length === right.length && left.every((member, index) => member === right[index]);
}

/** The one member of a desired list that may found a new cluster: the first in sorted order. */
export function seedOf(members: readonly string[]): string {
  const seed = sortedMembers(members)[0];
  if (seed === undefined) throw new Error('seedOf an empty member list');
  return seed;
}

/** The entry a cluster starts from: every founder creates exactly this one. */
export function foundingConfiguration(members: readonly string[]): Configuration {
  return { index: 1, term: 0, version: 1, voters: sortedMembers(members), outgoing: null };
}

/** Whether `id` votes in `configuration` (in either half of a joint one). */
export function isVoter(configuration: Configuration | null, id: string): boolean {
  if (configuration === null) return false;
  return configuration.voters.includes(id) || configuration.outgoing?.includes(id) === true;
}

/** Every member that votes in `configuration`, sorted. */
export function votersOf(configuration: Configuration | null): readonly string[] {
  if (configuration === null) return [];
  return sortedMembers([...configuration.voters, ...(configuration.outgoing ?? [])]);
}

function halves(configuration: Configuration): readonly (readonly string[])[] {
  return configuration.outgoing === null
    ? [configuration.voters]
    : [configuration.voters, configuration.outgoing];
}

/** Whether `granted` holds a majority of every member set in force (both, during a joint change). */
export function isQuorum(configuration: Configuration, granted: ReadonlySet<string>): boolean {
  return halves(configuration).every(
    (half) => half.filter((member) => granted.has(member)).length >= quorumSize(half.length),
  );
}

/**
 * The latest instant `t` such that a majority of every member set in force has reached `t`,
 * where `reachedAt` gives each member's instant (undefined: never). Null when some set has no
 * majority yet. With instants of acknowledged heartbeats this is the leader's lease basis
 * (joint majorities, as etcd-io/raft's JointConfig.CommittedIndex takes the lower of the two).
 */
export function quorumReachedAt(
  configuration: Configuration,
  reachedAt: (member: string) => number | undefined,
): number | null {
  let basis = Number.POSITIVE_INFINITY;
  for (const half of halves(configuration)) {
    const instants = half
      .map((member) => reachedAt(member) ?? Number.NEGATIVE_INFINITY)
      .sort((a, b) => b - a);
    const instant = instants[quorumSize(half.length) - 1] ?? Number.NEGATIVE_INFINITY;
    if (instant === Number.NEGATIVE_INFINITY) return null;
    basis = Math.min(basis, instant);
  }
  return basis;
}

/** A short human form, e.g. `v3 [a, b, c]` or `v2 [a, b, c, d, e] joint with [a, b, c]`. */
export function describeConfiguration(configuration: Configuration | null): string {
  if (configuration === null) return 'none';
  const voters = `[${configuration.voters.join(', ')}]`;
  return configuration.outgoing === null
    ? `v${configuration.version} ${voters}`
    : `v${configuration.version} ${voters} joint with [${configuration.outgoing.join(', ')}]`;
}
