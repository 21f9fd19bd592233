import { describeConfiguration, type Configuration } from '../../src/core/raft/configuration.js';
import type { StepResult } from '../../src/core/raft/step-types.js';

/** An interval of real (simulated) time during which one member could act as leader. */
export interface ActingInterval {
  readonly node: string;
  readonly term: number;
  readonly start: number;
  end: number;
}

/** Floating-point slack when comparing instants derived through different clock rates. */
const toleranceMs = 1e-6;

function isSameConfiguration(a: Configuration, b: Configuration): boolean {
  return describeConfiguration(a) === describeConfiguration(b) && a.term === b.term;
}

/**
 * Checks the safety properties at every step, from outside the nodes:
 * at most one leader per term; acting intervals never overlap; fencing tokens (terms) strictly
 * increase across acting leaders; an acting leader's lease never moves earlier; at most one
 * cluster is founded; no two different configurations are ever committed at one index; a
 * leader cut off from a quorum of its configuration steps down in time.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  readonly intervals: ActingInterval[] = [];
  private readonly open = new Map<string, ActingInterval>();
  private readonly leadership = new Map<
    string,
    { term: number; sinceReal: number; receipts: Map<string, number> }
  >();
  /** Committed configuration per index, as the leaders that committed them reported. */
  readonly committed = new Map<number, Configuration>();
  private founded: { readonly by: string; readonly configuration: Configuration } | null = null;

  constructor(
    /** Real time by which a leader must step down after its last quorum contact. */
    private readonly checkQuorumBoundMs: number,
    private readonly checkFounding = true,
  ) {}

  /** After a node stepped: its result and (if acting) the real instant its lease ends. */
  afterStep(
    node: string,
    result: StepResult,
    leaseEndReal: number | null,
    now: number,
  ): string | null {
    const { state } = result;
    const term = state.term;
    for (const notice of result.notices) {
      const problem =
        notice.type === 'founded'
          ? this.onFounded(node, notice.configuration)
          : notice.type === 'configuration-committed'
            ? this.onCommitted(node, notice.configuration)
            : null;
      if (problem !== null) return problem;
    }
    if (state.roleState.role === 'leader') {
      const known = this.leaderOfTerm.get(term);
      if (known !== undefined && known !== node) {
        return `two leaders in term ${term}: ${known} and ${node}`;
      }
      this.leaderOfTerm.set(term, node);
      const current = this.leadership.get(node);
      if (current?.term !== term)
        this.leadership.set(node, { term, sinceReal: now, receipts: new Map() });
    } else {
      this.leadership.delete(node);
    }
    const isActing = leaseEndReal !== null && leaseEndReal > now;
    return isActing
      ? this.recordActing(node, term, leaseEndReal, now)
      : this.closeInterval(node, now);
  }

  private onFounded(node: string, configuration: Configuration): string | null {
    if (!this.checkFounding) return null;
    if (this.founded !== null && !isSameConfiguration(this.founded.configuration, configuration)) {
      return `two clusters founded: ${this.founded.by} founded ${describeConfiguration(this.founded.configuration)}, ${node} founded ${describeConfiguration(configuration)}`;
    }
    this.founded ??= { by: node, configuration };
    return this.onCommitted(node, configuration);
  }

  private onCommitted(node: string, configuration: Configuration): string | null {
    const known = this.committed.get(configuration.index);
    if (known !== undefined && !isSameConfiguration(known, configuration)) {
      return `two configurations committed at index ${configuration.index}: ${describeConfiguration(known)} (term ${known.term}) and ${describeConfiguration(configuration)} (term ${configuration.term}, by ${node})`;
    }
    this.committed.set(configuration.index, configuration);
    return null;
  }

  private recordActing(
    node: string,
    term: number,
    leaseEndReal: number,
    now: number,
  ): string | null {
    const current = this.open.get(node);
    if (current?.term === term) {
      if (leaseEndReal < current.end - toleranceMs && Number.isFinite(current.end)) {
        return `${node} (term ${term}) moved its lease end earlier, from ${current.end.toFixed(3)} to ${leaseEndReal.toFixed(3)}`;
      }
      if (!Number.isFinite(current.end) && Number.isFinite(leaseEndReal)) {
        // A lone member's unbounded lease becomes a renewed one when members join.
        current.end = leaseEndReal;
        return null;
      }
      if (leaseEndReal > current.end) {
        for (const other of this.intervals) {
          if (
            other.node !== node &&
            other.start >= current.start &&
            other.start < leaseEndReal - toleranceMs
          ) {
            return `${node} (term ${term}) extended its lease to ${leaseEndReal.toFixed(3)} over ${other.node}'s acting interval from ${other.start.toFixed(3)} (term ${other.term})`;
          }
        }
        current.end = leaseEndReal;
      }
      return null;
    }
    this.closeInterval(node, now);
    for (const other of this.intervals) {
      if (other.node !== node && other.end > now + toleranceMs) {
        return `${node} started acting in term ${term} at ${now.toFixed(3)} while ${other.node} (term ${other.term}) acts until ${other.end.toFixed(3)}`;
      }
      if (other.term > term || (other.term === term && other.node !== node)) {
        return `fencing token went backwards: ${node} acts with term ${term} after ${other.node} acted with term ${other.term}`;
      }
    }
    const interval: ActingInterval = { node, term, start: now, end: leaseEndReal };
    this.intervals.push(interval);
    this.open.set(node, interval);
    return null;
  }

  private closeInterval(node: string, now: number): null {
    const current = this.open.get(node);
    if (current !== undefined) {
      current.end = Math.min(current.end, now);
      this.open.delete(node);
    }
    return null;
  }

  onCrash(node: string, now: number): void {
    this.closeInterval(node, now);
    this.leadership.delete(node);
  }

  /** A successful heartbeat acknowledgement reached leader `node` in `term`. */
  onAckDelivered(node: string, from: string, term: number, now: number): void {
    const leadership = this.leadership.get(node);
    if (leadership?.term === term) leadership.receipts.set(from, now);
  }

  /**
   * After a leader's timer fired and it is still leader: it must have heard from a quorum of
   * its configuration (`isQuorum`, counting itself) within the check-quorum bound.
   */
  checkQuorumContact(
    node: string,
    isQuorum: (contacts: ReadonlySet<string>) => boolean,
    now: number,
  ): string | null {
    const leadership = this.leadership.get(node);
    if (leadership === undefined) return null;
    const since = now - this.checkQuorumBoundMs - toleranceMs;
    if (leadership.sinceReal >= since) return null;
    const contacts = new Set([node]);
    for (const [from, at] of leadership.receipts) if (at >= since) contacts.add(from);
    if (isQuorum(contacts)) return null;
    return `${node} still leads term ${leadership.term} at ${now.toFixed(3)} without contact with a quorum of its configuration since ${since.toFixed(3)}`;
  }

  /** Whether some member could act as leader at `now`. */
  hasActingLeader(now: number): boolean {
    for (const interval of this.open.values()) if (interval.end > now) return true;
    return false;
  }
}
