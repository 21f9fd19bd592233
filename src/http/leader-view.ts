import type { ElectionBackend, ElectionState } from '../backends/backend.js';
import { wallTimeOf } from '../runtime/system-clock.js';

export interface LeaderView {
  readonly id: string | null;
  readonly address: string | null;
  readonly fencingToken: bigint | null;
  readonly term: bigint;
  /** Wall-clock time the lease ends, when this member leads (ISO 8601); null otherwise. */
  readonly leaseExpiresAt: string | null;
  readonly isSelf: boolean;
  readonly self: string;
  readonly backend: string;
  readonly election: string;
}

export function leaderView(
  state: ElectionState,
  self: string,
  backend: ElectionBackend,
  election: string,
): LeaderView {
  return {
    id: state.leader,
    address: state.leaderAddress,
    fencingToken: state.leader === null ? null : state.fencingToken,
    term: state.term,
    leaseExpiresAt:
      state.isSelf && state.leaseExpiresAt !== null
        ? new Date(wallTimeOf(state.leaseExpiresAt)).toISOString()
        : null,
    isSelf: state.isSelf,
    self,
    backend: backend.name,
    election,
  };
}

/** A short tag that changes whenever the answer of GET /leader would change in substance. */
export function leaderTag(state: ElectionState): string {
  return `"${state.leader ?? '-'}:${state.fencingToken.toString()}:${state.isSelf ? 1 : 0}"`;
}
