import type { LeaderRole } from './state.js';
import type { StepContext } from './step-context.js';

export function leaderRole(context: StepContext): LeaderRole {
  const { roleState } = context.state;
  if (roleState.role !== 'leader') throw new Error('called for a non-leader');
  return roleState;
}

export function stepDown(
  context: StepContext,
  reason: 'quorum-lost' | 'transfer' | 'preempted' | 'ineligible' | 'removed',
): void {
  context.update({
    roleState: { role: 'follower' },
    leader: null,
    succession: null,
    electionDeadline: context.randomElectionDeadline(),
  });
  context.because(reason);
}
