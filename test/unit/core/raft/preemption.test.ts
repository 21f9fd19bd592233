import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idOf, type ConfigurationId } from '../../../../src/core/raft/configuration.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import type { StepResult } from '../../../../src/core/raft/step-types.js';
import { ack, Driver, H, T } from './fixtures.js';

const delayMs = 2000;
const lease = T * (1 - 0.05);

interface Peer {
  readonly priority?: number;
  /** Before this instant it acknowledges with priority 0 (it restarted with `priority` then). */
  readonly raisedAt?: number;
  /** Whether it answers the heartbeat sent at this instant, and as eligible. */
  readonly answers?: (sentAt: number) => boolean;
  readonly eligible?: (sentAt: number) => boolean;
}

/**
 * Leader a (priority `own`) of a, b, c on a manual clock: every heartbeat interval it ticks,
 * and each peer acknowledges 1 ms later as its script says (reporting the leader's current
 * entry when `acksHoldEntry`, else the founding one). Returns the instant a transfer started
 * (and to whom, and what it sent), or null by `until`.
 */
function runLeader(
  own: number,
  peers: { readonly b: Peer; readonly c: Peer },
  until: number,
  acksHoldEntry = false,
): {
  at: number;
  to: string;
  since: number;
  reason: string | undefined;
  sent: readonly PeerMessage[];
} | null {
  const leader = new Driver({ preference: { priority: own, priorityHandoverDelayMs: delayMs } });
  const since = leader.campaignAndWin(0);
  const term = leader.state.term;
  const started = (result: StepResult): string | null => {
    for (const notice of result.notices) if (notice.type === 'transfer-started') return notice.to;
    return null;
  };
  for (let now = since; now <= until; now += H) {
    const tick = leader.tick(now);
    const to = started(tick);
    if (to !== null) return { at: now, to, since, reason: tick.change?.reason, sent: tick.send };
    if (leader.state.roleState.role !== 'leader') return null;
    for (const [id, peer] of Object.entries(peers)) {
      if (peer.answers?.(now) === false) continue;
      const priority = now < (peer.raisedAt ?? 0) ? 0 : peer.priority;
      const extra = {
        ...(priority === undefined ? {} : { priority }),
        ...(acksHoldEntry ? { configurationId: idOf(leader.state.configuration) } : {}),
      };
      const eligible = peer.eligible?.(now) ?? true;
      leader.receive(ack(id, 'a', term, now, eligible, extra), now + 1);
    }
  }
  return null;
}

test('a higher-priority member takes over once it acknowledged for the whole delay, not before', () => {
  const handover = runLeader(0, { b: {}, c: { priority: 5 } }, 20_000);
  assert.ok(handover !== null, 'a transfer started');
  assert.equal(handover.to, 'c');
  const elapsed = handover.at - handover.since;
  assert.ok(elapsed >= delayMs, `not within the window: after ${elapsed} ms`);
  assert.ok(elapsed <= delayMs + 2 * H, `soon after it: after ${elapsed} ms`);
});

test('a leader that hands over for priority says so: its step-down reason is preempted, not a requested transfer', () => {
  const handover = runLeader(0, { b: {}, c: { priority: 5 } }, 20_000);
  assert.equal(handover?.reason, 'preempted');
});

test('a leader that hands over for priority votes ahead for an up-to-date member', () => {
  const handover = runLeader(0, { b: {}, c: { priority: 5 } }, 20_000, true);
  const timeoutNow = handover?.sent.find((message) => message.type === 'timeout-now');
  assert.equal(timeoutNow?.type === 'timeout-now' && timeoutNow.withVote, true);
});

test('the highest of several higher priorities is the one that takes over', () => {
  const handover = runLeader(1, { b: { priority: 4 }, c: { priority: 9 } }, 20_000);
  assert.equal(handover?.to, 'c');
});

test('priority 0 never preempts, and equal priorities never swap', () => {
  assert.equal(runLeader(0, { b: {}, c: { priority: 0 } }, 20_000), null);
  assert.equal(runLeader(5, { b: { priority: 5 }, c: { priority: 5 } }, 20_000), null);
  assert.equal(runLeader(6, { b: { priority: 5 }, c: {} }, 20_000), null);
});

test('a member silent for a lease restarts its window', () => {
  const silentFrom = 1000;
  const silentUntil = silentFrom + lease + H;
  const handover = runLeader(
    0,
    { b: {}, c: { priority: 5, answers: (at) => at < silentFrom || at >= silentUntil } },
    20_000,
  );
  assert.ok(handover !== null);
  assert.ok(handover.at >= silentUntil + delayMs, `window restarted: transfer at ${handover.at}`);
});

test('a member that withdraws restarts its window', () => {
  const withdrawnAt = 1500;
  const handover = runLeader(
    0,
    { b: {}, c: { priority: 5, eligible: (at) => at < withdrawnAt || at >= withdrawnAt + H } },
    20_000,
  );
  assert.ok(handover !== null);
  assert.ok(handover.at >= withdrawnAt + delayMs, `window restarted: transfer at ${handover.at}`);
});

test('a member that comes and goes inside the window never triggers a transfer', () => {
  const period = delayMs / 2;
  const flapping = (at: number): boolean => at % period < period - lease - H;
  assert.equal(runLeader(0, { b: {}, c: { priority: 5, answers: flapping } }, 30_000), null);
});

test('a short gap, under a lease, does not break the window', () => {
  const handover = runLeader(
    0,
    { b: {}, c: { priority: 5, answers: (at) => at < 1000 || at > 1000 + 2 * H } },
    20_000,
  );
  assert.ok(handover !== null);
  assert.ok(handover.at - handover.since < delayMs + 2 * H, `transfer at ${handover.at}`);
});

test('a member whose priority changes (restarted faster than a lease) restarts its window', () => {
  const raisedAt = 1500;
  const handover = runLeader(0, { b: {}, c: { priority: 5, raisedAt } }, 20_000);
  assert.ok(handover !== null);
  assert.ok(handover.at >= raisedAt + delayMs, `window restarted: transfer at ${handover.at}`);
});

/**
 * Leader a (priority 0) of a, b, c (c priority 5), heartbeats every H but for one slow tick,
 * which sends the heartbeat after `since + 900` at `since + 1075`: c answers everything up to
 * `since + 900`, then nothing until the heartbeat `gap` ms later. Returns when the transfer
 * started, counted from the first heartbeat, or null.
 */
function transferAfterGap(gap: number): number | null {
  const leader = new Driver({ preference: { priority: 0, priorityHandoverDelayMs: delayMs } });
  const since = leader.campaignAndWin(0);
  const term = leader.state.term;
  const lastBefore = since + 900;
  for (let now = since; now <= since + 20_000; now += now === lastBefore ? H + 75 : H) {
    const tick = leader.tick(now);
    if (tick.notices.some((notice) => notice.type === 'transfer-started')) return now - since;
    leader.receive(ack('b', 'a', term, now), now + 1);
    if (now <= lastBefore || now >= lastBefore + gap) {
      leader.receive(ack('c', 'a', term, now, true, { priority: 5 }), now + 1);
    }
  }
  return null;
}

test('a gap of exactly a lease between acknowledgements restarts the window; a shorter one does not', () => {
  const kept = transferAfterGap(lease - H);
  assert.ok(kept !== null && kept < delayMs + 2 * H, `gap under a lease: transfer at ${kept}`);
  const restarted = transferAfterGap(lease);
  assert.ok(
    restarted !== null && restarted >= 900 + lease + delayMs,
    `gap of a lease: transfer at ${restarted}`,
  );
});

test('a leader does not hand over for priority in the middle of a membership change, only once it completes', () => {
  const leader = new Driver({ preference: { priority: 0, priorityHandoverDelayMs: delayMs } });
  const since = leader.campaignAndWin(0);
  const term = leader.state.term;
  // The entry each heartbeat carried: an acknowledgement names the entry its follower then holds.
  const entryOf = new Map<number, ConfigurationId>();
  let newest = since;
  const transfers: string[] = [];
  const record = (result: StepResult | null): void => {
    for (const message of result?.send ?? []) {
      if (message.type !== 'heartbeat') continue;
      entryOf.set(message.sentAt, message.configurationId);
      newest = message.sentAt;
    }
    for (const notice of result?.notices ?? []) {
      if (notice.type === 'transfer-started') transfers.push(notice.to);
    }
  };
  /** `peer` acknowledges the newest heartbeat; c with priority 5. */
  const answer = (peer: string, now: number, extra = {}): void => {
    const configurationId = entryOf.get(newest);
    if (configurationId === undefined) throw new Error(`no heartbeat sent at ${newest}`);
    const priority = peer === 'c' ? { priority: 5 } : {};
    record(
      leader.receive(
        ack(peer, 'a', term, newest, true, { configurationId, ...priority, ...extra }),
        now,
      ),
    );
  };
  record(leader.last);
  let now = since;
  for (; newest < since + delayMs && now < since + 2 * delayMs; now += H / 2) {
    record(leader.tick(now));
    if (newest >= since + delayMs) break;
    answer('b', now + 1);
    answer('c', now + 1);
  }
  // b asks to leave; the acknowledgement from c that completes its window also lets the
  // leader start removing b.
  answer('b', now + 1, { eligible: false, leaving: true });
  answer('c', now + 2);
  assert.deepEqual(leader.state.configuration?.outgoing, ['a', 'b', 'c'], 'the change started');
  record(leader.tick(now + 3));
  assert.deepEqual(transfers, [], 'no handover while the change is under way');
  answer('c', now + 4);
  answer('c', now + 5);
  assert.deepEqual(leader.state.configuration.voters, ['a', 'c']);
  assert.equal(leader.state.commitIndex, leader.state.configuration.index, 'the change completed');
  record(leader.tick(now + 6));
  assert.deepEqual(transfers, ['c']);
});
