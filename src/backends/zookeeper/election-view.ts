import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { ElectionState, MemberStatus } from '../backend.js';
import { LeadershipPublisher } from '../leadership-publisher.js';
import type { CandidateData } from './candidates.js';

/** A candidate as this member last listed it, in queue order. */
export interface KnownCandidate extends CandidateData {
  readonly name: string;
  /** czxid of the candidate's znode, if read. */
  readonly token: bigint | null;
}

export type Connection = 'connecting' | 'connected' | 'suspended';

/**
 * What this member knows, and the one place that turns it into an ElectionState. Acting is
 * computed at call time from the lease, never cached: the lease is the send time of the last
 * quorum-acknowledged proof plus half the negotiated session timeout. The server cannot expire
 * the session (and so let a successor lead) sooner than a full timeout after that request.
 */
export class ElectionView {
  private connection: Connection = 'connecting';
  private isEligible = true;
  private isStopped = false;
  /** Whose znode is lowest, with its czxid (the fencing token); null while unknown. */
  private leader: KnownCandidate | null = null;
  private isLeaderSelf = false;
  private leaseBasisMs: number | null = null;
  private leaseMs = 0;
  private highestToken = 0n;
  private candidates: readonly KnownCandidate[] = [];
  private readonly publisher: LeadershipPublisher;
  private leaseTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.publisher = new LeadershipPublisher(logger, 'zookeeper');
  }

  current(): ElectionState {
    const now = this.clock.now();
    const expiresAt =
      this.isLeaderSelf && this.leaseBasisMs !== null ? this.leaseBasisMs + this.leaseMs : null;
    const isSelf =
      !this.isStopped &&
      this.isEligible &&
      this.connection === 'connected' &&
      expiresAt !== null &&
      now < expiresAt;
    const token = this.leader?.token ?? this.highestToken;
    // A member that is lowest but cannot prove it right now names no leader at all.
    const leader = this.isLeaderSelf && !isSelf ? null : this.leader;
    return {
      leader: leader?.memberId ?? null,
      leaderAddress: leader?.address ?? null,
      fencingToken: token,
      term: token,
      isSelf,
      leaseExpiresAt: isSelf ? expiresAt : null,
      role: this.role(isSelf),
    };
  }

  members(): readonly MemberStatus[] {
    const leaderName = this.leader?.name;
    return this.candidates.map((candidate) => ({
      id: candidate.memberId,
      address: candidate.address,
      role: candidate.name === leaderName ? 'leader' : 'follower',
      term: candidate.name === leaderName ? candidate.token : null,
      lastContactMs: null,
      isReachable: true,
    }));
  }

  isConnected(): boolean {
    return this.connection === 'connected' && !this.isStopped;
  }

  onChange(listener: (next: ElectionState) => void): () => void {
    return this.publisher.onChange(listener);
  }

  setConnection(connection: Connection): void {
    this.connection = connection;
    // Curator: after SUSPENDED the leader must assume it is not the leader until it re-verifies.
    if (connection !== 'connected') this.leaseBasisMs = null;
    this.publish();
  }

  setEligible(isEligible: boolean): void {
    this.isEligible = isEligible;
    if (!isEligible) this.leaseBasisMs = null;
    this.publish();
  }

  setCandidates(candidates: readonly KnownCandidate[]): void {
    this.candidates = candidates;
  }

  /** Another member's znode is lowest. */
  follow(leader: KnownCandidate): void {
    this.raiseToken(leader.token);
    this.leader = leader;
    this.isLeaderSelf = false;
    this.leaseBasisMs = null;
    this.publish();
  }

  /** Nobody is queued. */
  forgetLeader(): void {
    this.leader = null;
    this.isLeaderSelf = false;
    this.leaseBasisMs = null;
    this.publish();
  }

  /** Our znode is lowest, and a request sent at `sentAtMs` proved it with the quorum. */
  prove(self: KnownCandidate, sentAtMs: number, sessionTimeoutMs: number): void {
    this.raiseToken(self.token);
    this.leader = self;
    this.isLeaderSelf = true;
    this.leaseMs = Math.floor(sessionTimeoutMs / 2);
    if (this.leaseBasisMs === null || sentAtMs > this.leaseBasisMs) this.leaseBasisMs = sentAtMs;
    this.publish();
  }

  /** Stop acting now (resign, lost node, new session); the leader becomes unknown. */
  stepDown(): void {
    this.leaseBasisMs = null;
    if (this.isLeaderSelf) this.leader = null;
    this.isLeaderSelf = false;
    this.publish();
  }

  /** Our znode is lowest and its lease is live (no re-verification needed). */
  isProvenLeader(): boolean {
    return this.isLeaderSelf && this.leaseBasisMs !== null;
  }

  /** Our znode was lowest when last listed, proven or not. */
  isLowest(): boolean {
    return this.isLeaderSelf;
  }

  stop(): void {
    this.isStopped = true;
    this.leaseBasisMs = null;
    this.publish();
    if (this.leaseTimer !== null) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
  }

  /** Emits and logs a change if leader, token, acting or role differ from the last one emitted. */
  publish(): void {
    const next = this.current();
    this.scheduleLeaseCheck(next);
    this.publisher.publish(next);
  }

  private role(isSelf: boolean): string {
    if (this.isStopped) return 'stopped';
    if (!this.isEligible) return 'withdrawn';
    if (this.connection === 'suspended') return 'suspended';
    if (this.connection === 'connecting') return 'connecting';
    if (isSelf) return 'leader';
    return this.isLeaderSelf || this.leader === null ? 'candidate' : 'follower';
  }

  private raiseToken(token: bigint | null): void {
    if (token !== null && token > this.highestToken) this.highestToken = token;
  }

  /** The lease ends without any event, so a timer publishes the step-down when it does. */
  private scheduleLeaseCheck(state: ElectionState): void {
    if (this.leaseTimer !== null) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    if (state.leaseExpiresAt === null || this.isStopped) return;
    const delayMs = Math.max(0, Math.ceil(state.leaseExpiresAt - this.clock.now()) + 1);
    this.leaseTimer = setTimeout(() => {
      this.leaseTimer = null;
      this.publish();
    }, delayMs);
    this.leaseTimer.unref();
  }
}
