import type { SafeguardMutations } from '../../src/core/raft/state.js';
import type { DirectedOutcome } from './directed.js';
import type { MarginOptions } from './margin-setup.js';
import {
  runCutAfterTransfer,
  runIsolatedLeader,
  runLateAcks,
  runOneSidedCut,
  runRestartedVoter,
  runSlowLeaderClock,
  runTransferToStaleTarget,
  runTwinCandidates,
} from './margins.js';

/** Two members acting at once, or a fencing token going backwards: the harm itself. */
export const overlap = /two leaders in term|started acting|extended its lease|fencing token/;

/** One margin removed, the schedule that must catch it, and what the violation must say. */
export interface MarginMutation {
  readonly name: string;
  readonly run: (seed: number, options: MarginOptions) => DirectedOutcome;
  readonly options: {
    readonly mutations?: SafeguardMutations;
    readonly forgetVoteOnRestart?: boolean;
  };
  readonly expect: RegExp;
  readonly seeds: number;
}

/** Each margin of the core removed, against the directed schedule that puts it at its edge. */
export const marginMutations: readonly MarginMutation[] = [
  {
    name: 'granting a second vote in one term gives twin candidates two leaders',
    run: runTwinCandidates,
    options: { mutations: { grantSecondVote: true } },
    expect: /two leaders in term/,
  },
  {
    name: 'a vote not persisted before the response leaves is given again after a crash',
    run: runTwinCandidates,
    options: { forgetVoteOnRestart: true },
    expect: /two leaders in term/,
  },
  {
    name: 'a lease of T instead of T·(1 − maxClockDrift) outlives a fast follower’s patience',
    run: runSlowLeaderClock,
    options: { mutations: { skipDriftMargin: true } },
    expect: overlap,
  },
  {
    name: 'a lease counted from the ack’s receipt outlives the followers’ last contact',
    run: runLateAcks,
    options: { mutations: { leaseFromAckReceipt: true } },
    expect: overlap,
  },
  {
    name: 'pre-votes granted while the lease is live let a half-cut member depose the leader',
    run: runOneSidedCut,
    options: { mutations: { skipPreVoteLeaseCheck: true } },
    expect: /disturbed leader/,
  },
  {
    name: 'without pre-vote, a half-cut member deposes the leader',
    run: runOneSidedCut,
    options: { mutations: { skipPreVote: true } },
    expect: /disturbed leader/,
  },
  {
    name: 'without leader stickiness, a half-cut member leads beside the leader',
    run: runOneSidedCut,
    options: { mutations: { skipLeaderStickiness: true } },
    expect: overlap,
  },
  {
    name: 'without check-quorum, a leader cut off right after a renewal keeps leading',
    run: runIsolatedLeader,
    options: { mutations: { skipCheckQuorum: true } },
    expect: /without contact with a quorum/,
  },
  {
    name: 'without stickiness after start-up, a restarted voter elects a second acting leader',
    run: runRestartedVoter,
    options: { mutations: { skipStartupStickiness: true } },
    expect: overlap,
  },
  {
    name: 'a transfer that does not step down first leaves two acting leaders after a cut',
    run: runCutAfterTransfer,
    options: { mutations: { skipTransferStepDown: true } },
    expect: overlap,
  },
  {
    name: 'a vote ahead for a target without the newest entry elects it and overwrites a committed one',
    run: runTransferToStaleTarget,
    options: { mutations: { voteForStaleTarget: true } },
    expect: /two configurations committed at index/,
  },
].map((margin) => ({ ...margin, seeds: 25 }));
