import type { Logger } from 'pino';
import type { BackendName } from '../core/backend-name.js';
import type { CancelTimer, Clock } from '../core/clock.js';
import type { ElectionState } from './backend.js';
import { childLogger } from './child-logger.js';

/** A backend's state at one instant, and the next instant it changes without any event. */
export interface DerivedLeadership {
  readonly state: ElectionState;
  /** When the state lapses by itself (acting deadline, a followed lease's expiry); null if never. */
  readonly changesAt: number | null;
}

/**
 * The leadership view of a lease-style backend, which extends it with what it knows and how that
 * makes a state (`derive`): derived at call time, never cached, emitted (and logged) when it
 * changes, and refreshed by a timer at the instant it lapses without any event.
 */
export abstract class LeadershipView {
  private readonly listeners = new Set<(next: ElectionState) => void>();
  private last: ElectionState | null = null;
  private highest = 0n;
  private cancelTimer: CancelTimer = () => undefined;
  private isClosed = false;

  constructor(
    private readonly backend: BackendName,
    protected readonly clock: Clock,
    protected readonly logger: Logger,
  ) {}

  /** Leadership at this instant. */
  current(): ElectionState {
    return this.deriveNow().state;
  }

  /** Calls `listener` after each change; one that throws is logged, the others still run. */
  onChange(listener: (next: ElectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The state at `now`, from what the backend knows. `highestToken` is the highest fencing token
   * seen: the one to report while no leader is known, so the token never goes back.
   */
  protected abstract derive(now: number, highestToken: bigint): DerivedLeadership;

  /** Records a fencing token seen; one lower than the highest changes nothing. */
  protected noteToken(token: bigint | null): void {
    if (token !== null && token > this.highest) this.highest = token;
  }

  protected highestToken(): bigint {
    return this.highest;
  }

  /**
   * Call after any change of what the state is derived from: re-derives it, emits it if it
   * changed, and sets the timer for its next lapse.
   */
  refresh(): void {
    const { state, changesAt } = this.deriveNow();
    this.cancelTimer();
    if (changesAt !== null && !this.isClosed) {
      // A timer may fire a little early against the clock: refresh() then sets another.
      this.cancelTimer = this.clock.setTimer(Math.ceil(changesAt - this.clock.now()), () => {
        this.refresh();
      });
    }
    const previous = this.last;
    if (previous !== null && !hasLeadershipChanged(previous, state)) return;
    this.last = state;
    logLeadershipChange(this.logger, this.backend, state, previous?.leader ?? null);
    notifyListeners(this.listeners, state, this.logger);
  }

  /** The backend has stopped: a last refresh, then no timer ever again. */
  close(): void {
    this.isClosed = true;
    this.refresh();
  }

  private deriveNow(): DerivedLeadership {
    const derived = this.derive(this.clock.now(), this.highest);
    this.noteToken(derived.state.fencingToken);
    return derived;
  }
}

/** The one change predicate: leader, its address, token, acting or role differ. */
function hasLeadershipChanged(previous: ElectionState, next: ElectionState): boolean {
  return (
    previous.leader !== next.leader ||
    previous.leaderAddress !== next.leaderAddress ||
    previous.fencingToken !== next.fencingToken ||
    previous.isSelf !== next.isSelf ||
    previous.role !== next.role
  );
}

/** Calls each listener with `state`; one that throws is logged, and the others still run. */
export function notifyListeners(
  listeners: ReadonlySet<(next: ElectionState) => void>,
  state: ElectionState,
  logger: Logger,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(state);
    } catch (error) {
      logger.error({ event: 'listener.failed', err: error }, 'onChange listener threw');
    }
  }
}

/**
 * The one `leadership.changed` log line, with the same fields on every backend; `details` adds
 * the backend's own (Raft: the reason). `backend` comes from the logger's bindings, added only
 * when the logger does not carry it already, so the line never has the key twice.
 */
export function logLeadershipChange(
  logger: Logger,
  backend: BackendName,
  next: Pick<ElectionState, 'leader' | 'fencingToken' | 'term' | 'isSelf' | 'role'>,
  previousLeader: string | null,
  details: Readonly<Record<string, unknown>> = {},
): void {
  const { leader, fencingToken, term, isSelf, role } = next;
  childLogger(logger, { backend }).info(
    {
      ...details,
      event: 'leadership.changed',
      term: term.toString(),
      fencingToken: fencingToken.toString(),
      leader,
      previousLeader,
      isSelf,
      role,
    },
    isSelf ? `acting as leader (token ${fencingToken})` : `${role}; leader ${leader ?? 'unknown'}`,
  );
}
