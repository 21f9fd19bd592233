import { CreateMode } from 'node-zookeeper-client';
import type { ElectorError } from '../../core/errors.js';
import {
  decodeHandoverRecord,
  encodeHandoverRecord,
  handoverProgress,
  handoverRefused,
  handoverTimedOut,
  mustAccept,
  mustStepAside,
  queueHandoverDeadlineMs,
  type HandoverRecord,
  type QueuedCandidate,
} from '../named-handover.js';
import type { KnownCandidate } from './election-view.js';
import type { SessionCampaign } from './queue.js';
import { zookeeperCodeOf } from './zookeeper-errors.js';

/** A handover to a named member asked of the leader, carried out by its campaign loop. */
export interface PendingHandover {
  readonly to: string;
  /** Monotonic ms when it was asked; the refusal comes queueHandoverDeadlineMs later. */
  readonly startedAt: number;
  /** Aborts when the caller gives up: the handover is then refused at the next pass. */
  readonly signal: AbortSignal;
  hasRecord: boolean;
  resolve(): void;
  reject(error: ElectorError): void;
}

/** What the leader's loop does next for a pending handover. */
export type HandoverStep = 'wait' | 'resign';

function queueOf(candidates: readonly KnownCandidate[]): QueuedCandidate[] {
  return candidates.map((candidate) => ({
    id: candidate.isForeign ? null : candidate.memberId,
    displayId: candidate.memberId,
    place: candidate.name,
  }));
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/**
 * The leader's side, one pass (docs/handover.md, "etcd and ZooKeeper"), on the queue its loop
 * has just listed: writes the EPHEMERAL handover record once, then returns `resign` when the
 * target is directly behind the leader and has accepted on the record (the record is deleted
 * then; the caller stops acting and deletes its znode), `wait` otherwise. On a refusal it
 * deletes the record, rejects the pending handover and returns `wait`; the leader never stopped
 * acting.
 */
export async function advanceHandover(
  campaign: SessionCampaign,
  pending: PendingHandover,
  own: KnownCandidate,
): Promise<HandoverStep> {
  const { session, settings, signal } = campaign;
  const path = settings.handoverPath;
  const refuse = async (error: ElectorError): Promise<HandoverStep> => {
    if (pending.hasRecord) await session.remove(path, signal);
    pending.reject(error);
    return 'wait';
  };
  if (!campaign.view.isProvenLeader()) {
    return refuse(handoverRefused('this member stopped leading meanwhile'));
  }
  const queue = queueOf(campaign.view.queued());
  const progress = handoverProgress(queue, own.name, settings.memberId, pending.to);
  if (progress.kind === 'refuse') return refuse(handoverRefused(progress.reason));
  if (!pending.hasRecord) {
    await session.ensurePath(parentOf(path), signal);
    const data = encodeHandoverRecord({ to: pending.to, from: own.name });
    try {
      await session.create(path, data, CreateMode.EPHEMERAL, signal);
    } catch (error) {
      if (zookeeperCodeOf(error) !== 'NODE_EXISTS') throw error;
      return refuse(handoverRefused('another handover record of this election is in place'));
    }
    pending.hasRecord = true;
    campaign.logger.info(
      { event: 'handover.requested', to: pending.to, znode: path },
      'handover record written; waiting for the members ahead of the target to step aside',
    );
    return 'wait';
  }
  const read = await session.getData(path, null, signal);
  const record = decodeHandoverRecord(read?.data);
  const isAccepted =
    record?.accepted === true && record.from === own.name && record.to === pending.to;
  if (progress.kind === 'ready' && isAccepted) {
    await session.remove(path, signal);
    return 'resign';
  }
  const waitedMs = campaign.clock.now() - pending.startedAt;
  if (waitedMs >= queueHandoverDeadlineMs || pending.signal.aborted) {
    return refuse(handoverTimedOut(pending.to, waitedMs));
  }
  return 'wait';
}

/** Where a member that does not lead stands on the handover record, if any. */
export type FollowerStep = 'stay' | 'step-aside';

/**
 * A member that does not lead, one pass: reads the handover record (and watches it) when it has
 * no live watch on it; steps aside (deletes its znode, to queue again at the back) when it is
 * between the record's leader and its target; accepts (sets `accepted` on the record, at the
 * version read) when it is the target and may lead.
 */
export async function followHandover(
  campaign: SessionCampaign,
  own: KnownCandidate,
): Promise<FollowerStep> {
  const { session, settings, signal } = campaign;
  const path = settings.handoverPath;
  if (!campaign.isHandoverWatched) {
    // Set first: a notification that overtakes the answer must clear it again.
    campaign.isHandoverWatched = true;
    const stat = await session.existsWatched(path, campaign.watcher, signal);
    campaign.handover = null;
    if (stat !== null) {
      const read = await session.getData(path, null, signal);
      const record = decodeHandoverRecord(read?.data);
      if (read !== null && record !== null) {
        campaign.handover = { record, version: read.stat.version };
      }
    }
  }
  const current = campaign.handover;
  if (current === null) return 'stay';
  const queue = queueOf(campaign.view.queued());
  if (mustStepAside(queue, own.name, current.record)) {
    campaign.logger.info(
      { event: 'handover.step-aside', znode: own.name, to: current.record.to },
      'stepping aside for a handover: queueing again behind its target',
    );
    await session.remove(`${settings.parentPath}/${own.name}`, signal);
    return 'step-aside';
  }
  if (mustAccept(queue, settings.memberId, current.record) && campaign.mayLead()) {
    const accepted: HandoverRecord = { ...current.record, accepted: true };
    const isAccepted = await session.setData(
      path,
      encodeHandoverRecord(accepted),
      current.version,
      signal,
    );
    campaign.logger.info(
      { event: 'handover.accepted', from: current.record.from, accepted: isAccepted },
      'accepted a handover to this member',
    );
  }
  return 'stay';
}
