import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { ElectionState, MemberRole, MemberStatus } from '../backend.js';
import type { CampaignPhase } from '../campaign-runner.js';
import { LeadershipView, type DerivedLeadership } from '../leadership-view.js';

/** A candidate as this member last listed it, in queue order. */
export interface KnownCandidate {
  /** The znode's name under the election node. */
  readonly name: string;
  /** The member ID an elector node stores; for a foreign node, its raw data (foreignIdOf). */
  readonly memberId: string;
  /** The advertised address an elector node stores; null for a foreign node. */
  readonly address: string | null;
  /** Its `--priority` from the znode data; null for a foreign node. */
  readonly priority: number | null;
  /** czxid of the candidate's znode, if read. */
  readonly token: bigint | null;
  /** Written by another client (Curator, kazoo, ...) or unreadable: its member ID is unknown. */
  readonly isForeign: boolean;
}

export type Connection = 'joining' | 'connected' | 'suspended';

/**
 * What this member knows, and the one place that turns it into an ElectionState. Acting is
 * computed at call time from the lease, never cached: the lease is the send time of the last
 * quorum-acknowledged proof plus half the negotiated session timeout. The server cannot expire
 * the session (and so let a successor lead) sooner than a full timeout after that request.
 */
export class ElectionView extends LeadershipView {
  private connection: Connection = 'joining';
  private isEligible = true;
  /** Whose znode is lowest, with its czxid (the fencing token); null while unknown. */
  private leader: KnownCandidate | null = null;
  private isLeaderSelf = false;
  private leaseBasisMs: number | null = null;
  private leaseMs = 0;
  private candidates: readonly KnownCandidate[] = [];

  constructor(
    clock: Clock,
    logger: Logger,
    private readonly phase: () => CampaignPhase,
  ) {
    super('zookeeper', clock, logger);
  }

  members(): readonly MemberStatus[] {
    const leaderName = this.leader?.name;
    return this.candidates.map((candidate, index) => ({
      id: candidate.memberId,
      address: candidate.address,
      role: candidate.name === leaderName ? 'leader' : 'follower',
      term: candidate.name === leaderName ? candidate.token : null,
      lastContactMs: null,
      isReachable: true,
      priority: candidate.priority,
      rank: index,
    }));
  }

  isConnected(): boolean {
    return this.connection === 'connected' && this.phase() === 'running';
  }

  setConnection(connection: Connection): void {
    this.connection = connection;
    // Curator: after SUSPENDED the leader must assume it is not the leader until it re-verifies.
    if (connection !== 'connected') this.leaseBasisMs = null;
    this.refresh();
  }

  setEligible(isEligible: boolean): void {
    this.isEligible = isEligible;
    if (!isEligible) this.leaseBasisMs = null;
    this.refresh();
  }

  /** The candidates of the last listing, in queue order. */
  queued(): readonly KnownCandidate[] {
    return this.candidates;
  }

  setCandidates(candidates: readonly KnownCandidate[]): void {
    this.candidates = candidates;
  }

  /** Another member's znode is lowest. */
  follow(leader: KnownCandidate): void {
    this.noteToken(leader.token);
    this.leader = leader;
    this.isLeaderSelf = false;
    this.leaseBasisMs = null;
    this.refresh();
  }

  /** Nobody is queued. */
  forgetLeader(): void {
    this.leader = null;
    this.isLeaderSelf = false;
    this.leaseBasisMs = null;
    this.refresh();
  }

  /** Our znode is lowest, and a request sent at `sentAtMs` proved it with the quorum. */
  prove(self: KnownCandidate, sentAtMs: number, sessionTimeoutMs: number): void {
    this.noteToken(self.token);
    this.leader = self;
    this.isLeaderSelf = true;
    this.leaseMs = Math.floor(sessionTimeoutMs / 2);
    if (this.leaseBasisMs === null || sentAtMs > this.leaseBasisMs) this.leaseBasisMs = sentAtMs;
    this.refresh();
  }

  /** Stop acting now (resign, lost node, new session); the leader becomes unknown. */
  stepDown(): void {
    this.leaseBasisMs = null;
    if (this.isLeaderSelf) this.leader = null;
    this.isLeaderSelf = false;
    this.refresh();
  }

  /** Our znode is lowest and its lease is live (no re-verification needed). */
  isProvenLeader(): boolean {
    return this.isLeaderSelf && this.leaseBasisMs !== null;
  }

  /** Our znode was lowest when last listed, proven or not. */
  isLowest(): boolean {
    return this.isLeaderSelf;
  }

  /**
   * Acting is computed at call time from the lease; the lease ends without any event, so it is
   * also the instant the state changes by itself.
   */
  protected derive(now: number, highestToken: bigint): DerivedLeadership {
    const expiresAt =
      this.isLeaderSelf && this.leaseBasisMs !== null ? this.leaseBasisMs + this.leaseMs : null;
    const isSelf =
      this.phase() === 'running' &&
      this.isEligible &&
      this.connection === 'connected' &&
      expiresAt !== null &&
      now < expiresAt;
    const token = this.leader?.token ?? highestToken;
    // A member that is lowest but cannot prove it right now names no leader at all.
    const leader = this.isLeaderSelf && !isSelf ? null : this.leader;
    const state: ElectionState = {
      leader: leader?.memberId ?? null,
      leaderAddress: leader?.address ?? null,
      fencingToken: token,
      term: token,
      isSelf,
      leaseExpiresAt: isSelf ? expiresAt : null,
      role: this.role(isSelf),
    };
    return { state, changesAt: isSelf ? expiresAt : null };
  }

  private role(isSelf: boolean): MemberRole {
    const phase = this.phase();
    if (phase !== 'running') return phase;
    if (!this.isEligible) return 'withdrawn';
    if (this.connection !== 'connected') return this.connection;
    if (isSelf) return 'leader';
    return this.isLeaderSelf || this.leader === null ? 'candidate' : 'follower';
  }
}
