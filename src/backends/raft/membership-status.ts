import { isSameMemberSet, type Configuration } from '../../core/raft/configuration.js';
import { targetMembers } from '../../core/raft/desire.js';
import { membershipOf } from '../../core/raft/membership-view.js';
import type { NodeState } from '../../core/raft/state.js';
import type { ConfigurationView, MembershipStatus } from '../backend.js';

export function configurationView(
  configuration: Configuration | null,
  commitIndex: number,
): ConfigurationView | null {
  if (configuration === null) return null;
  const { version, index, term, voters, outgoing } = configuration;
  return { version, index, term, voters, outgoing, isCommitted: commitIndex >= index };
}

/** The membership part of `/cluster/status` and of the membership metrics. */
export function membershipStatus(state: NodeState): MembershipStatus {
  const { configuration, desire, commitIndex } = state;
  const target = targetMembers(desire);
  const isJoint = configuration?.outgoing != null;
  const memberLists =
    state.roleState.role === 'leader'
      ? [...state.roleState.acks].map(([id, ack]) => ({
          id,
          members: ack.ownList.members,
          counter: ack.ownList.counter,
          isLeaving: ack.isLeaving,
        }))
      : [];
  return {
    state: membershipOf(state),
    configuration: configurationView(configuration, commitIndex),
    change:
      configuration?.outgoing == null
        ? null
        : { from: configuration.outgoing, to: configuration.voters },
    desired: desire,
    ownList: { members: state.startedWith, counter: state.ownCounter },
    isPending:
      isJoint ||
      (configuration !== null && target !== null && !isSameMemberSet(target, configuration.voters)),
    note: state.membershipNote,
    memberLists: memberLists.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
