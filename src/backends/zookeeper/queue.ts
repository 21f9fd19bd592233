import { CreateMode, type Event } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import {
  candidateCreatePath,
  decodeCandidateData,
  encodeCandidateData,
  foreignIdOf,
  isPreviousVersionData,
  hexOf,
  int64Of,
  sortCandidates,
  type CandidateName,
} from './candidates.js';
import type { ElectionView, KnownCandidate } from './election-view.js';
import type { HandoverRecord } from '../named-handover.js';
import type { ZooKeeperSettings } from './options.js';
import type { ZooKeeperSession } from './session.js';
import type { FailureReporter } from './zookeeper-errors.js';
import { zookeeperCodeOf } from './zookeeper-errors.js';

/** Everything one session's campaign knows; discarded with the session. */
export interface SessionCampaign {
  readonly session: ZooKeeperSession;
  readonly settings: ZooKeeperSettings;
  readonly view: ElectionView;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly report: FailureReporter;
  /** Aborts when the backend stops or the session ends. */
  readonly signal: AbortSignal;
  /** One function for every watch, so the library never holds two for the same path. */
  readonly watcher: (event: Event) => void;
  /** False while ineligible or while a resignation is being carried out. */
  mayLead(): boolean;
  own: KnownCandidate | null;
  watchedPredecessor: string | null;
  /**
   * The leader's znode, watched by candidates behind the successor only to learn the next leader
   * at once (a notice, not a wake-up to campaign). Set before the watch is placed, so a
   * notification that overtakes the read's answer is still recognised as this watch's.
   */
  watchedLeader: string | null;
  /** Candidate data by znode name; a candidate's data never changes, so each is read once. */
  readonly known: Map<string, KnownCandidate>;
  /** Foreign znodes already logged, kept across sessions so each is logged once. */
  readonly loggedForeign: Set<string>;
  /** A watch on the handover record is in place (cleared when it fires). */
  isHandoverWatched: boolean;
  /** The handover record as last read, with its version; null if none. */
  handover: { readonly record: HandoverRecord; readonly version: number } | null;
}

export type QueueOutcome = 'settled' | 'again' | 'missing';

/**
 * One pass of the recipe: list the candidates; the lowest leads, and proves it with a quorum
 * check that also renews its lease; every other candidate watches only its immediate
 * predecessor (with getData, which leaves no watch behind on a node that is already gone).
 */
export async function checkQueue(campaign: SessionCampaign): Promise<QueueOutcome> {
  const { session, settings, view, signal } = campaign;
  const own = campaign.own;
  if (own === null) return 'missing';
  const queue = sortCandidates(await session.getChildren(settings.parentPath, signal));
  const index = queue.findIndex((candidate) => candidate.name === own.name);
  if (index < 0) {
    campaign.logger.warn(
      { event: 'candidate.vanished', znode: own.name },
      'our candidate znode is gone; joining the queue again',
    );
    return 'missing';
  }
  await removeOrphans(campaign, queue);
  const candidates = await describe(campaign, queue);
  view.setCandidates(candidates);
  if (index === 0) return proveLeadership(campaign, own);

  const predecessor = queue[index - 1];
  const leaderName = queue[0]?.name;
  const leader = candidates.find((candidate) => candidate.name === leaderName);
  if (predecessor === undefined || leader === undefined) return 'again';
  if (campaign.watchedPredecessor !== predecessor.name) {
    const path = `${settings.parentPath}/${predecessor.name}`;
    const result = await session.getData(path, campaign.watcher, signal);
    if (result === null) return 'again';
    campaign.watchedPredecessor = predecessor.name;
  }
  view.follow(leader);
  if (index < 2) {
    // The leader is our predecessor (or we lead): its watch is the predecessor watch.
    campaign.watchedLeader = null;
  } else if (campaign.watchedLeader !== leader.name) {
    campaign.watchedLeader = leader.name;
    const result = await session.getData(
      `${settings.parentPath}/${leader.name}`,
      campaign.watcher,
      signal,
    );
    if (result === null) {
      campaign.watchedLeader = null;
      return 'again';
    }
    campaign.logger.debug({ event: 'leader.watched', znode: leader.name });
  }
  return 'settled';
}

/** Lists the queue and follows its lowest candidate, without joining or watching. */
export async function observeQueue(campaign: SessionCampaign): Promise<void> {
  const queue = sortCandidates(
    await campaign.session.getChildren(campaign.settings.parentPath, campaign.signal),
  );
  const candidates = await describe(campaign, queue);
  campaign.view.setCandidates(candidates);
  const leader = candidates[0];
  if (leader === undefined) campaign.view.forgetLeader();
  else if (leader.name === queue[0]?.name) campaign.view.follow(leader);
}

async function proveLeadership(
  campaign: SessionCampaign,
  own: KnownCandidate,
): Promise<QueueOutcome> {
  const { session, view, signal } = campaign;
  const path = `${campaign.settings.parentPath}/${own.name}`;
  if (!view.isProvenLeader()) {
    // After (re)connecting, check the owner as well: a node can only count as ours if our
    // session owns it (the lesson of CURATOR-696).
    const stat = await session.exists(path, signal);
    if (stat === null) return 'missing';
    if (hexOf(stat.ephemeralOwner) !== session.idHex) {
      campaign.logger.error(
        { event: 'candidate.foreign', znode: own.name },
        'the lowest candidate znode carries our name but another session owns it',
      );
      return 'missing';
    }
  }
  const sentAtMs = campaign.clock.now();
  if (!(await session.check(path, signal))) return 'missing';
  if (campaign.mayLead() && session.state() === 'connected') {
    view.prove(own, sentAtMs, session.timeoutMs);
  }
  return 'settled';
}

/**
 * Reads the data of candidates not seen before; forgets those that left. Every child is a
 * candidate: one elector cannot read (another client's, or corrupt) keeps its place with its raw
 * data as ID, and is logged once.
 */
async function describe(
  campaign: SessionCampaign,
  queue: readonly CandidateName[],
): Promise<KnownCandidate[]> {
  const names = new Set(queue.map((candidate) => candidate.name));
  for (const name of campaign.known.keys()) if (!names.has(name)) campaign.known.delete(name);
  for (const name of campaign.loggedForeign)
    if (!names.has(name)) campaign.loggedForeign.delete(name);
  const described: KnownCandidate[] = [];
  for (const candidate of queue) {
    let known = campaign.known.get(candidate.name);
    if (known === undefined) {
      const path = `${campaign.settings.parentPath}/${candidate.name}`;
      const result = await campaign.session.getData(path, null, campaign.signal);
      if (result === null) continue;
      const data = candidate.sessionHex === null ? null : decodeCandidateData(result.data);
      const token = int64Of(result.stat.czxid);
      known =
        data === null
          ? {
              name: candidate.name,
              memberId: foreignIdOf(candidate.name, result.data),
              address: null,
              priority: null,
              token,
              isForeign: true,
            }
          : { name: candidate.name, ...data, token, isForeign: false };
      if (known.isForeign) logForeign(campaign, known);
      campaign.known.set(candidate.name, known);
    }
    described.push(known);
  }
  return described;
}

function logForeign(campaign: SessionCampaign, candidate: KnownCandidate): void {
  if (campaign.loggedForeign.has(candidate.name)) return;
  campaign.loggedForeign.add(candidate.name);
  campaign.logger.warn(
    {
      event: 'candidate.foreign-node',
      znode: candidate.name,
      data: candidate.memberId,
      czxid: candidate.token?.toString() ?? null,
    },
    'a znode elector did not write is in the queue; it is a candidate with an unknown member ID',
  );
}

/** Our session's nodes other than the one we use: left by a create whose answer was lost. */
async function removeOrphans(
  campaign: SessionCampaign,
  queue: readonly CandidateName[],
): Promise<void> {
  for (const candidate of queue) {
    if (candidate.sessionHex !== campaign.session.idHex) continue;
    if (candidate.name === campaign.own?.name) continue;
    campaign.logger.warn(
      { event: 'candidate.orphan-removed', znode: candidate.name },
      'removing a second candidate znode of our session',
    );
    await campaign.session.remove(
      `${campaign.settings.parentPath}/${candidate.name}`,
      campaign.signal,
    );
  }
}

/**
 * Creates our candidate znode, named for the queue's layout (candidateCreatePath). If the
 * connection drops before the answer arrives, the node may
 * exist anyway: after reconnecting, look for a node of our session (by name, then confirmed by
 * ephemeralOwner and member ID) before creating another. Null means "try again".
 */
export async function joinQueue(
  campaign: SessionCampaign,
  waitConnected: () => Promise<void>,
): Promise<KnownCandidate | null> {
  const { session, settings, signal } = campaign;
  const data = encodeCandidateData({
    memberId: settings.memberId,
    address: settings.address,
    priority: settings.priority,
  });
  const createPath = candidateCreatePath(
    settings.parentPath,
    session.idHex,
    await isPreviousVersionQueued(campaign),
  );
  try {
    const path = await session.create(createPath, data, CreateMode.EPHEMERAL_SEQUENTIAL, signal);
    return await readOwn(campaign, path.slice(settings.parentPath.length + 1));
  } catch (error) {
    const code = zookeeperCodeOf(error);
    if (signal.aborted || (code !== 'CONNECTION_LOSS' && code !== 'TIMEOUT')) throw error;
    campaign.report('create', error);
    await waitConnected();
    const queue = sortCandidates(await session.getChildren(settings.parentPath, signal));
    for (const candidate of queue) {
      if (candidate.sessionHex !== session.idHex) continue;
      const found = await readOwn(campaign, candidate.name);
      if (found === null) continue;
      campaign.logger.info(
        { event: 'candidate.recovered', znode: candidate.name },
        'the create answer was lost, but the znode exists; using it instead of creating another',
      );
      return found;
    }
    return null;
  }
}

/** Whether a member of the previous version (its layout, no layout mark in its data) is queued. */
async function isPreviousVersionQueued(campaign: SessionCampaign): Promise<boolean> {
  const { session, settings, signal } = campaign;
  const queue = sortCandidates(await session.getChildren(settings.parentPath, signal));
  for (const candidate of queue) {
    if (!candidate.isPreviousLayout) continue;
    const result = await session.getData(`${settings.parentPath}/${candidate.name}`, null, signal);
    if (result !== null && isPreviousVersionData(result.data)) return true;
  }
  return false;
}

/** Our node's data and czxid, if it exists and is ours (owner session and member ID). */
async function readOwn(campaign: SessionCampaign, name: string): Promise<KnownCandidate | null> {
  const path = `${campaign.settings.parentPath}/${name}`;
  const result = await campaign.session.getData(path, null, campaign.signal);
  if (result === null) return null;
  const data = decodeCandidateData(result.data);
  const isOurs =
    hexOf(result.stat.ephemeralOwner) === campaign.session.idHex &&
    data?.memberId === campaign.settings.memberId;
  if (!isOurs) return null;
  const own = { name, ...data, token: int64Of(result.stat.czxid), isForeign: false };
  campaign.known.set(name, own);
  return own;
}
