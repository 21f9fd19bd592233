import type { Logger } from 'pino';
import type { BackendName } from '../core/backend-name.js';
import type { CancelTimer, Clock } from '../core/clock.js';
import type { ElectionState, MemberRole } from './backend.js';

/** A backend's state at one instant, and the next instant it changes without any event. */
export interface DerivedLeadership {
  readonly state: ElectionState;
  /**
   * When the state derived at `now` stops holding though nothing happens (this member's acting
   * deadline, a followed leader's lease expiry), or null if it holds until the next event.
   */
  readonly changesAt: number | null;
}

/**
 * Derives the state at `now` from what the backend knows. `highestToken` is the highest fencing
 * token seen so far: the token to report while no leader is known, so it never goes back.
 */
export type DeriveLeadership = (now: number, highestToken: bigint) => DerivedLeadership;

export interface LeadershipViewOptions {
  readonly backend: BackendName;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly derive: DeriveLeadership;
}

/**
 * The leadership view of a lease-style backend (etcd, ZooKeeper, Lease): `current()` is derived
 * at call time, never cached; `refresh()` after any change of what it is derived from emits one
 * change (and one `leadership.changed` log line) when it differs; a timer on the clock refreshes
 * it at the instant it changes without an event, so a lapsed lease is published when it lapses.
 */
export class LeadershipView {
  private readonly listeners = new Set<(next: ElectionState) => void>();
  private last: ElectionState | null = null;
  private highest = 0n;
  private cancelTimer: CancelTimer | null = null;
  private isClosed = false;

  constructor(private readonly options: LeadershipViewOptions) {}

  /** Leadership at this instant. */
  current(): ElectionState {
    return this.derive().state;
  }

  /** Calls `listener` after each change; a listener that throws is logged, the others still run. */
  onChange(listener: (next: ElectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Records a fencing token seen (a leader's, or one's own); lower ones than the highest change nothing. */
  noteToken(token: bigint | null): void {
    if (token !== null && token > this.highest) this.highest = token;
  }

  /** The highest fencing token seen so far. */
  highestToken(): bigint {
    return this.highest;
  }

  /** Re-derives the state; emits it if it changed, and sets the timer for its next lapse. */
  refresh(): void {
    const { state, changesAt } = this.derive();
    this.schedule(changesAt);
    if (!hasLeadershipChanged(this.last, state)) return;
    const previous = this.last;
    this.last = state;
    logLeadershipChange(this.options.logger, this.options.backend, state, previous?.leader ?? null);
    for (const listener of [...this.listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.options.logger.error(
          { event: 'listener.failed', err: error },
          'onChange listener threw',
        );
      }
    }
  }

  /** A last refresh (the backend has stopped), then no timer ever again. */
  close(): void {
    this.refresh();
    this.isClosed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private derive(): DerivedLeadership {
    const derived = this.options.derive(this.options.clock.now(), this.highest);
    this.noteToken(derived.state.fencingToken);
    return derived;
  }

  private schedule(changesAt: number | null): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (changesAt === null || this.isClosed) return;
    // A timer may fire a little early against the monotonic clock: refresh() then sets another.
    const delayMs = Math.max(0, Math.ceil(changesAt - this.options.clock.now()));
    this.cancelTimer = this.options.clock.setTimer(delayMs, () => {
      this.cancelTimer = null;
      this.refresh();
    });
  }
}

/** Whether `next` is worth an onChange: leader, its address, token, acting or role differ. */
export function hasLeadershipChanged(previous: ElectionState | null, next: ElectionState): boolean {
  return (
    previous === null ||
    previous.leader !== next.leader ||
    previous.leaderAddress !== next.leaderAddress ||
    previous.fencingToken !== next.fencingToken ||
    previous.isSelf !== next.isSelf ||
    previous.role !== next.role
  );
}

/** What the `leadership.changed` line says about the new state. */
export interface LoggedLeadership {
  readonly leader: string | null;
  readonly fencingToken: bigint;
  readonly term: bigint;
  readonly isSelf: boolean;
  readonly role: MemberRole;
}

/**
 * Logs one change of leadership as the one `leadership.changed` event, with the same fields on
 * every backend; `details` adds backend-specific ones (Raft: the reason).
 */
export function logLeadershipChange(
  logger: Logger,
  backend: BackendName,
  next: LoggedLeadership,
  previousLeader: string | null,
  details: Readonly<Record<string, unknown>> = {},
): void {
  logger.info(
    {
      ...details,
      event: 'leadership.changed',
      backend,
      term: next.term.toString(),
      fencingToken: next.fencingToken.toString(),
      leader: next.leader,
      previousLeader,
      isSelf: next.isSelf,
      role: next.role,
    },
    next.isSelf
      ? `acting as leader (fencing token ${next.fencingToken})`
      : `${next.role}; leader ${next.leader ?? 'unknown'}`,
  );
}
