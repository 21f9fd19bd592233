import type {
  ElectionBackend,
  ElectionState,
  MembershipStatus,
} from '../../../src/backends/backend.js';
import type { BackendName } from '../../../src/core/backend-name.js';

const membershipStatus: MembershipStatus = {
  state: 'voter',
  configuration: null,
  change: null,
  desired: null,
  ownList: { members: [], counter: 0 },
  isPending: false,
  note: null,
  memberLists: [],
};

/** A backend that always reports `state` and never changes; Raft's also reports a member set. */
export function stillBackend(name: BackendName, state: ElectionState): ElectionBackend {
  return {
    name,
    start: () => Promise.resolve(),
    stopped: () => Promise.resolve(),
    current: () => state,
    onChange: () => () => undefined,
    resign: () => Promise.resolve(),
    setEligible: () => undefined,
    isReady: () => true,
    members: () => [],
    ...(name === 'raft' ? { membership: () => membershipStatus } : {}),
  };
}
