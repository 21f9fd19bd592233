import { quorumSize } from '../../src/core/raft/config.js';

/** An interval of real (simulated) time during which one member could act as leader. */
export interface ActingInterval {
  readonly node: string;
  readonly term: number;
  readonly start: number;
  end: number;
}

/** Floating-point slack when comparing instants derived through different clock rates. */
const toleranceMs = 1e-6;

/**
 * Checks the safety properties at every step, from outside the nodes:
 * at most one leader per term; acting intervals never overlap; fencing tokens (terms) strictly
 * increase across acting leaders; a leader cut off from a majority steps down in time.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  readonly intervals: ActingInterval[] = [];
  private readonly open = new Map<string, ActingInterval>();
  private readonly leadership = new Map<
    string,
    { term: number; sinceReal: number; receipts: Map<string, number> }
  >();

  constructor(
    private readonly memberCount: number,
    /** Real time by which a leader must step down after its last majority contact. */
    private readonly checkQuorumBoundMs: number,
  ) {}

  /** After a node stepped: its role, term and (if acting) the real instant its lease ends. */
  afterStep(
    node: string,
    isLeader: boolean,
    term: number,
    leaseEndReal: number | null,
    now: number,
  ): string | null {
    if (isLeader) {
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

  private recordActing(
    node: string,
    term: number,
    leaseEndReal: number,
    now: number,
  ): string | null {
    const current = this.open.get(node);
    if (current?.term === term) {
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

  /** After a leader's timer fired and it is still leader: it must have heard from a majority recently. */
  checkQuorumContact(node: string, now: number): string | null {
    const leadership = this.leadership.get(node);
    if (leadership === undefined) return null;
    const peersNeeded = quorumSize(this.memberCount) - 1;
    if (peersNeeded === 0) return null;
    const receipts = [...leadership.receipts.values()].sort((a, b) => b - a);
    const majorityContact = Math.max(
      leadership.sinceReal,
      receipts[peersNeeded - 1] ?? Number.NEGATIVE_INFINITY,
    );
    if (now > majorityContact + this.checkQuorumBoundMs + toleranceMs) {
      return `${node} still leads term ${leadership.term} at ${now.toFixed(3)} without majority contact since ${majorityContact.toFixed(3)}`;
    }
    return null;
  }

  /** Whether some member could act as leader at `now`. */
  hasActingLeader(now: number): boolean {
    for (const interval of this.open.values()) if (interval.end > now) return true;
    return false;
  }
}
