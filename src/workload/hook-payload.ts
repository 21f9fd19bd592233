import type { HookName } from './workload-events.js';

/** What a hook is told: the transition and the leadership right after it. */
export interface HookPayload {
  readonly hook: HookName;
  /** This member's role after the transition. */
  readonly role: 'leader' | 'follower';
  /** The leader as this member knows it after the transition; null while none is known. */
  readonly leader: string | null;
  /** The leader's fencing token; meaningless (and sent as empty/null) while `leader` is null. */
  readonly fencingToken: bigint;
  /** Raft term, or the backend's nearest equivalent. */
  readonly term: bigint;
  readonly election: string;
  /** stepped-down only: the fencing token this member led with, which it must stop using. */
  readonly previousFencingToken: bigint | null;
}

/**
 * The environment of an exec hook (added to the sidecar's own). Tokens and terms are decimal
 * strings (they may exceed 2^53). A value that is not known is the empty string.
 */
export function hookEnvironment(payload: HookPayload): Record<string, string> {
  const body = hookBodyOf(payload);
  return {
    ELECTOR_HOOK: body.hook,
    ELECTOR_ROLE: body.role,
    ELECTOR_LEADER: body.leader ?? '',
    ELECTOR_FENCING_TOKEN: body.fencingToken ?? '',
    ELECTOR_TERM: body.term,
    ELECTOR_ELECTION: body.election,
    ELECTOR_PREVIOUS_FENCING_TOKEN: body.previousFencingToken ?? '',
  };
}

/** The JSON body of an HTTP hook: the same fields, tokens and terms as decimal strings. */
export function hookBody(payload: HookPayload): string {
  return JSON.stringify(hookBodyOf(payload));
}

interface HookBody {
  readonly hook: HookName;
  readonly role: 'leader' | 'follower';
  readonly leader: string | null;
  readonly fencingToken: string | null;
  readonly term: string;
  readonly election: string;
  readonly previousFencingToken: string | null;
}

function hookBodyOf(payload: HookPayload): HookBody {
  return {
    hook: payload.hook,
    role: payload.role,
    leader: payload.leader,
    // As in GET /leader and the leader file: no token without a leader.
    fencingToken: payload.leader === null ? null : payload.fencingToken.toString(),
    term: payload.term.toString(),
    election: payload.election,
    previousFencingToken: payload.previousFencingToken?.toString() ?? null,
  };
}
