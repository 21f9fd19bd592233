import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { LeaseSnapshot } from './lease-client.js';
import type { ElectionState, MemberStatus } from '../backend.js';
import { LeadershipPublisher } from '../leadership-publisher.js';
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

/** This member's hold on the Lease, as proven by its last successful write. */
export interface Holding {
  /** Monotonic time at which the last successful acquire or renew request was sent. */
  readonly sentAtMs: number;
  readonly token: bigint;
  /** The Lease as that write returned it (its resourceVersion is the next write's precondition). */
  readonly lease: LeaseSnapshot;
}

/**
 * Everything the member knows about the Lease, and the one place that turns it into an
 * ElectionState. Acting is computed at call time: a member acts only while it holds the Lease,
 * is eligible, is not handing over, and now < (send time of its last successful renewal) +
 * renewDeadline. Since every other member waits a full leaseDuration after it *received* that
 * renewal, the leader stops before anyone else may start.
 */
export class LeaseView {
  observation: Observation | null = null;
  holding: Holding | null = null;
  isEligible = true;
  /** Set by resign and withdrawal: stop acting now, release, and let someone else take over. */
  isReleasing = false;
  isStopped = false;
  lastContactMs: number | null = null;
  private highestToken = 0n;
  private readonly publisher: LeadershipPublisher;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: LeaseSettings,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.publisher = new LeadershipPublisher(logger, 'kubernetes');
  }

  /** Whether this member holds the Lease (acting or not), read afresh after any await. */
  isHolding(): boolean {
    return this.holding !== null;
  }

  /** The deadline until which this member may act; null when it holds nothing. */
  actingDeadlineMs(): number | null {
    return this.holding === null ? null : this.holding.sentAtMs + this.settings.renewDeadlineMs;
  }

  isActing(now = this.clock.now()): boolean {
    const deadline = this.actingDeadlineMs();
    return (
      !this.isStopped && this.isEligible && !this.isReleasing && deadline !== null && now < deadline
    );
  }

  /** When this member may take the observed Lease from its holder (null: no holder to wait for). */
  takeoverAtMs(): number | null {
    const observation = this.observation;
    if (observation === null || holderOf(observation.lease) === null) return null;
    return localExpiryMs(observation, this.settings);
  }

  current(): ElectionState {
    const now = this.clock.now();
    const holding = this.holding;
    if (holding !== null && this.isActing(now)) {
      return {
        leader: this.settings.memberId,
        leaderAddress: this.settings.address,
        fencingToken: holding.token,
        term: holding.token,
        isSelf: true,
        leaseExpiresAt: this.actingDeadlineMs(),
        role: 'leader',
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
    const token = isLeaderKnown ? tokenOf(lease) : this.highestToken;
    return {
      leader: isLeaderKnown ? holder : null,
      leaderAddress: isLeaderKnown ? (lease?.annotations[leaderAddressAnnotation] ?? null) : null,
      fencingToken: token,
      term: token,
      isSelf: false,
      leaseExpiresAt: null,
      role: this.role(isLeaderKnown),
    };
  }

  members(): readonly MemberStatus[] {
    const state = this.current();
    const self: MemberStatus = {
      id: this.settings.memberId,
      address: this.settings.address,
      role: state.role,
      term: state.term,
      lastContactMs: 0,
      isReachable: true,
    };
    if (state.leader === null || state.leader === this.settings.memberId) return [self];
    const observedAtMs = this.observation?.observedAtMs ?? null;
    return [
      self,
      {
        id: state.leader,
        address: state.leaderAddress,
        role: 'leader',
        term: state.term,
        lastContactMs: observedAtMs === null ? null : Math.max(0, this.clock.now() - observedAtMs),
        isReachable: true,
      },
    ];
  }

  onChange(listener: (next: ElectionState) => void): () => void {
    return this.publisher.onChange(listener);
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
    this.lastContactMs = now;
    const key = recordKey(lease);
    this.observation =
      previous !== null && previous.key === key
        ? { ...previous, lease }
        : { lease, key, observedAtMs: now };
    const token = tokenOf(lease);
    if (token > this.highestToken) this.highestToken = token;
    return holderOf(previous?.lease ?? null) !== holderOf(lease) || previous === null;
  }

  /** Emits and logs a change if leader, token, acting or role differ from the last one emitted. */
  publish(): void {
    const next = this.current();
    this.schedule(next);
    this.publisher.publish(next);
  }

  stop(): void {
    this.isStopped = true;
    this.publish();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private role(isLeaderKnown: boolean): string {
    if (this.isStopped) return 'stopped';
    if (!this.isEligible) return 'withdrawn';
    if (this.observation === null) return 'connecting';
    return isLeaderKnown ? 'follower' : 'candidate';
  }

  /**
   * Our acting deadline and the observed holder's expiry pass without any event, so a timer
   * publishes the change when the earlier of them does.
   */
  private schedule(state: ElectionState): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.isStopped) return;
    const now = this.clock.now();
    const takeoverAt = state.leader !== null && !state.isSelf ? this.takeoverAtMs() : null;
    const deadlines = [state.leaseExpiresAt, takeoverAt].filter(
      (value): value is number => value !== null && value > now,
    );
    if (deadlines.length === 0) return;
    const delayMs = Math.ceil(Math.min(...deadlines) - now) + 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publish();
    }, delayMs);
    this.timer.unref();
  }
}
