import { isVoter, votersOf } from './configuration.js';
import { isFoundingSeed } from './founding.js';
import type { NodeState } from './state.js';

/**
 * This member's place in the cluster:
 * - `voter`: it votes (and may lead) in its configuration;
 * - `learner`: it holds a configuration it does not vote in, and the newest desired list names
 *   it: the leader is adding it;
 * - `removed`: it does not vote, and the newest desired list leaves it out;
 * - `founding`: no configuration yet, and it is the seed that founds the cluster;
 * - `waiting`: no configuration yet, waiting for the seed to found or a leader to add it.
 */
export type Membership = 'voter' | 'learner' | 'removed' | 'founding' | 'waiting';

export const memberships: readonly Membership[] = [
  'voter',
  'learner',
  'removed',
  'founding',
  'waiting',
];

export function membershipOf(state: NodeState): Membership {
  const { configuration, desire, config } = state;
  if (configuration === null) {
    return isFoundingSeed(state) && state.founding?.nextAttemptAt !== Infinity
      ? 'founding'
      : 'waiting';
  }
  if (isVoter(configuration, config.id)) return 'voter';
  const wanted = desire?.members ?? state.startedWith;
  return wanted.includes(config.id) ? 'learner' : 'removed';
}

/**
 * A leaving member may go: the leader of its term said its committed configuration no longer
 * counts this member. (A committed entry from a peer is not enough: the leader may already
 * hold a newer entry that counts it again.)
 */
export function hasLeft(state: NodeState): boolean {
  return state.isLeaving && state.isRemovalConfirmed;
}

/**
 * Every member this one may need to reach: the voters of its configuration, its own and the
 * newest desired member lists, the list it promised to found, and (as leader) everyone that
 * answered it. The transport keeps connections to these and drops the rest.
 */
export function contactsOf(state: NodeState): readonly string[] {
  const contacts = new Set([
    ...votersOf(state.configuration),
    ...state.startedWith,
    ...(state.desire?.members ?? []),
    ...(state.promise?.members ?? []),
  ]);
  if (state.roleState.role === 'leader') {
    for (const peer of state.roleState.acks.keys()) contacts.add(peer);
    for (const peer of state.roleState.askedAt.keys()) contacts.add(peer);
  }
  contacts.delete(state.config.id);
  return [...contacts].sort();
}
