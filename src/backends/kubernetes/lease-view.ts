import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { LeaseSnapshot } from './lease-client.js';
import type { MemberRole, MemberStatus } from '../backend.js';
import type { CampaignPhase } from '../campaign-runner.js';
import { LeadershipView, type DerivedLeadership } from '../leadership-view.js';
import {
  holderOf,
  isOlderVersion,
  leaderAddressAnnotation,
  localExpiryMs,
  recordKey,
  tokenOf,
  type Observation,
} from './lease-record.js';
import type { LeaseSettings } from './options.js';
import { holderPriorityOf, preemptionRequestOf } from './lease-priority-record.js';

/** This member's hold on the Lease, as proven by its last successful write. */
interface Holding {
  /** Monotonic time at which the last successful acquire or renew request was sent. */
  readonly sentAtMs: number;
  readonly token: bigint;
  /** The Lease as that write returned it (its resourceVersion is the next write's precondition). */
  readonly lease: LeaseSnapshot;
}

/** What the campaign loop has decided about this member's hold on the Lease. */
export interface HoldState {
  /** Its hold as its last successful write proved it; null while it holds nothing. */
  readonly holding: Holding | null;
  /** False while the workload health gate withdraws it. */
  readonly isEligible: boolean;
  /** Set by resign, withdrawal and stop: it does not act, and the loop releases the Lease. */
  readonly isReleasing: boolean;
}

/**
 * Everything the member knows about the Lease, and the one place that turns it into an
 * ElectionState. Acting is computed at call time: a member acts only while it holds the Lease,
 * is eligible, is not handing over, and now < (send time of its last successful renewal) +
 * renewDeadline. Since every other member waits a full leaseDuration after it *received* that
 * renewal, the leader stops before anyone else may start. The campaign loop changes it through
 * the methods below and calls refresh() once a change is complete.
 */
export class LeaseView extends LeadershipView {
  private observation: Observation | null = null;
  private holdState: HoldState = { holding: null, isEligible: true, isReleasing: false };
  private lastContactAtMs: number | null = null;

  constructor(
    private readonly settings: LeaseSettings,
    clock: Clock,
    logger: Logger,
    private readonly phase: () => CampaignPhase,
  ) {
    super('kubernetes', clock, logger);
  }

  /** The Lease as last read, written or watched (with when its record was first seen); null before. */
  observed(): Observation | null {
    return this.observation;
  }

  /** What the campaign has decided about its hold, read afresh after every await. */
  hold(): HoldState {
    return this.holdState;
  }

  /** Changes the hold; current() reflects it at once, onChange after the next refresh(). */
  setHold(change: Partial<HoldState>): void {
    this.holdState = { ...this.holdState, ...change };
  }

  /** Monotonic time of the last answer from the API server; null before the first. */
  lastContactMs(): number | null {
    return this.lastContactAtMs;
  }

  /** The deadline until which this member may act; null when it holds nothing. */
  actingDeadlineMs(): number | null {
    const { holding } = this.holdState;
    return holding === null ? null : holding.sentAtMs + this.settings.renewDeadlineMs;
  }

  isActing(now = this.clock.now()): boolean {
    const deadline = this.actingDeadlineMs();
    const { isEligible, isReleasing } = this.holdState;
    return (
      this.phase() === 'running' &&
      isEligible &&
      !isReleasing &&
      deadline !== null &&
      now < deadline
    );
  }

  /** When this member may take the observed Lease from its holder (null: no holder to wait for). */
  takeoverAtMs(): number | null {
    const observation = this.observation;
    if (observation === null || holderOf(observation.lease) === null) return null;
    return localExpiryMs(observation, this.settings);
  }

  /**
   * This member, the holder it follows, and the member asking to take over, if any. Priorities:
   * its own from its settings, the holder's from the Lease (none published: 0), the asking
   * member's from its request; rank 0 for the leader, unknown (null) for every other.
   */
  members(): readonly MemberStatus[] {
    const state = this.current();
    const lease = this.observation?.lease ?? null;
    const self: MemberStatus = {
      id: this.settings.memberId,
      address: this.settings.address,
      role: state.role,
      term: state.term,
      lastContactMs: 0,
      isReachable: true,
      priority: this.settings.priority,
      rank: state.isSelf ? 0 : null,
    };
    const members = [self];
    if (state.leader !== null && state.leader !== this.settings.memberId) {
      const observedAtMs = this.observation?.observedAtMs ?? null;
      members.push({
        id: state.leader,
        address: state.leaderAddress,
        role: 'leader',
        term: state.term,
        lastContactMs: observedAtMs === null ? null : Math.max(0, this.clock.now() - observedAtMs),
        isReachable: true,
        priority: holderPriorityOf(lease),
        rank: 0,
      });
    }
    const request = preemptionRequestOf(lease);
    const isCurrent = request !== null && state.leader !== null && request.token === tokenOf(lease);
    if (isCurrent && members.every((member) => member.id !== request.candidate)) {
      // Known only by what it wrote on the Lease: no address, and no contact this member measured.
      members.push({
        id: request.candidate,
        address: null,
        role: 'candidate',
        term: state.term,
        lastContactMs: null,
        isReachable: false,
        priority: request.priority,
        rank: null,
      });
    }
    return members;
  }

  /**
   * Takes in a Lease as read, written or watched (null: it does not exist). An older version
   * than the one held is ignored. Returns true when the holder changed.
   */
  accept(lease: LeaseSnapshot | null): boolean {
    const previous = this.observation;
    if (
      lease !== null &&
      previous?.lease != null &&
      isOlderVersion(lease.resourceVersion, previous.lease.resourceVersion)
    ) {
      return false;
    }
    const now = this.clock.now();
    this.lastContactAtMs = now;
    const key = recordKey(lease);
    this.observation =
      previous !== null && previous.key === key
        ? { ...previous, lease }
        : { lease, key, observedAtMs: now };
    this.noteToken(tokenOf(lease));
    return holderOf(previous?.lease ?? null) !== holderOf(lease) || previous === null;
  }

  /**
   * Our acting deadline and the observed holder's expiry pass without any event: the earlier of
   * them is when the state changes by itself.
   */
  protected derive(now: number, highestToken: bigint): DerivedLeadership {
    const { holding } = this.holdState;
    const deadline = this.actingDeadlineMs();
    if (holding !== null && this.isActing(now)) {
      return {
        state: {
          leader: this.settings.memberId,
          leaderAddress: this.settings.address,
          fencingToken: holding.token,
          term: holding.token,
          isSelf: true,
          leaseExpiresAt: deadline,
          role: 'leader',
        },
        changesAt: deadline,
      };
    }
    const lease = this.observation?.lease ?? null;
    const holder = holderOf(lease);
    const takeoverAt = this.takeoverAtMs();
    // Our own name on the Lease proves nothing unless we are acting; another holder counts
    // only until its lease has expired by our observation.
    const isLeaderKnown =
      holder !== null &&
      holder !== this.settings.memberId &&
      takeoverAt !== null &&
      now < takeoverAt;
    const token = isLeaderKnown ? tokenOf(lease) : highestToken;
    return {
      state: {
        leader: isLeaderKnown ? holder : null,
        leaderAddress: isLeaderKnown ? (lease?.annotations[leaderAddressAnnotation] ?? null) : null,
        fencingToken: token,
        term: token,
        isSelf: false,
        leaseExpiresAt: null,
        role: this.role(isLeaderKnown),
      },
      changesAt: isLeaderKnown ? takeoverAt : null,
    };
  }

  private role(isLeaderKnown: boolean): MemberRole {
    const phase = this.phase();
    if (phase !== 'running') return phase;
    if (!this.holdState.isEligible) return 'withdrawn';
    if (this.observation === null) return 'joining';
    return isLeaderKnown ? 'follower' : 'candidate';
  }
}
