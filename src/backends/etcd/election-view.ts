import type { ElectionState, MemberRole, MemberStatus } from '../backend.js';
import type { CampaignPhase } from '../campaign-runner.js';
import type { DerivedLeadership } from '../leadership-view.js';
import type { CandidateList } from './election-store.js';
import type { Session } from './session.js';

/** The last candidate list a member read, and when the read was sent (monotonic ms). */
export interface CandidateView {
  readonly list: CandidateList;
  readonly readAt: number;
}

/** Everything current() is derived from; `now` is read once, at call time. */
export interface ViewInput {
  readonly now: number;
  readonly memberId: string;
  readonly address: string;
  readonly ttlMs: number;
  readonly phase: CampaignPhase;
  readonly isEligible: boolean;
  readonly session: Session | null;
  /** This member's `--priority`. */
  readonly priority: number;
  readonly candidates: CandidateView | null;
  /** The highest leader create revision seen so far; fencing tokens never go back. */
  readonly highestToken: bigint;
}

/**
 * ElectionState at `input.now`. isSelf comes only from the session's proof (lease deadline in
 * the future, key seen and watched); anyone else's leadership comes from a candidate list
 * younger than one TTL, since an older one says nothing about who leads now.
 */
export function deriveEtcdLeadership(input: ViewInput): DerivedLeadership {
  const { session } = input;
  if (session?.isActingAt(input.now) === true && session.createRevision !== null) {
    return {
      state: {
        leader: input.memberId,
        leaderAddress: input.address,
        fencingToken: session.createRevision,
        term: session.createRevision,
        isSelf: true,
        leaseExpiresAt: session.deadline,
        role: 'leader',
      },
      changesAt: session.deadline,
    };
  }
  const view = input.candidates;
  const isFresh = view !== null && input.now - view.readAt < input.ttlMs;
  const first = isFresh ? view.list.candidates[0] : undefined;
  // Our own record first in etcd while we cannot prove it: nobody provably leads.
  const leader = first?.id === input.memberId ? undefined : first;
  const fencingToken = leader?.createRevision ?? input.highestToken;
  const state: ElectionState = {
    leader: leader?.displayId ?? null,
    leaderAddress: leader?.address ?? null,
    fencingToken,
    term: fencingToken,
    isSelf: false,
    leaseExpiresAt: null,
    role: roleOf(input, leader !== undefined),
  };
  return {
    state,
    changesAt: leader === undefined || view === null ? null : view.readAt + input.ttlMs,
  };
}

function roleOf(input: ViewInput, isLeaderKnown: boolean): MemberRole {
  const { session } = input;
  if (input.phase !== 'running') return input.phase;
  if (!input.isEligible) return 'withdrawn';
  if (session === null || session.createRevision === null || session.hasEnded) return 'joining';
  // First in the queue and it has acted, but it cannot prove its lease or key right now.
  if (session.isLeader && session.hasActed) return 'suspended';
  return isLeaderKnown ? 'follower' : 'candidate';
}

/**
 * Every candidate key of the last read, in queue order (the first one leads, the others
 * follow), plus this member if it holds no key. lastContactMs is the age of that read; rank
 * is the queue position (0 leads), null for this member when it holds no key.
 */
export function memberStatuses(
  input: ViewInput,
  self: ElectionState,
  isReady: boolean,
): MemberStatus[] {
  const view = input.candidates;
  const ageMs = view === null ? 0 : input.now - view.readAt;
  const candidates = view?.list.candidates ?? [];
  const listed: MemberStatus[] = candidates.map((candidate, index) => ({
    id: candidate.displayId,
    address: candidate.address,
    role: index === 0 ? 'leader' : 'follower',
    term: candidate.createRevision,
    lastContactMs: ageMs,
    isReachable: ageMs < input.ttlMs,
    priority: candidate.priority,
    rank: index,
  }));
  if (candidates.some((candidate) => candidate.id === input.memberId)) return listed;
  return [
    ...listed,
    {
      id: input.memberId,
      address: input.address,
      role: self.role,
      term: null,
      lastContactMs: 0,
      isReachable: isReady,
      priority: input.priority,
      rank: null,
    },
  ];
}
