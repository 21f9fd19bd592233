// The Raft driver against a store whose saves fail or hang: it never shows state it has not
// saved, stops campaigning and voting while it cannot save, retries on a capped backoff (a
// bounded number of attempts and warnings), and recovers by itself once a save succeeds.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { ElectorError } from '../../../../src/core/errors.js';
import type { ElectionEvent } from '../../../../src/core/election-events.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import type { DurableState } from '../../../../src/core/raft/state.js';
import { seededRandom } from '../../../../src/core/random.js';
import { RaftDriver } from '../../../../src/backends/raft/driver.js';
import type { DurableStateStore } from '../../../../src/backends/raft/storage/durable-state-store.js';
import { ManualClock } from '../../manual-clock.js';
import { ack, config, durable, heartbeat, vote } from '../../core/raft/fixtures.js';

/** A store whose saves fail with `failure` (an errno code) while it is set, or wait for `release`. */
class FaultyStore implements DurableStateStore {
  saved: DurableState;
  failure: string | null = null;
  isHeld = false;
  attempts = 0;
  private readonly held: (() => void)[] = [];

  constructor(
    initial: DurableState,
    private readonly onAttempt: (attempts: number) => void = () => undefined,
  ) {
    this.saved = initial;
  }

  load(): Promise<DurableState> {
    return Promise.resolve(this.saved);
  }

  save(state: DurableState): Promise<void> {
    this.attempts += 1;
    this.onAttempt(this.attempts);
    if (this.failure !== null) {
      const cause = Object.assign(new Error(`${this.failure}: simulated`), { code: this.failure });
      return Promise.reject(
        new ElectorError('STATE_UNWRITABLE', `cannot save state: ${cause.message}`, {
          retryable: true,
          cause,
        }),
      );
    }
    if (!this.isHeld) {
      this.saved = state;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.held.push(() => {
        this.saved = state;
        resolve();
      });
    });
  }

  release(): void {
    this.isHeld = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

interface Member {
  readonly driver: RaftDriver;
  readonly store: FaultyStore;
  readonly clock: ManualClock;
  readonly sent: PeerMessage[];
  readonly events: ElectionEvent[];
  readonly logLines: { level: number; event?: string; msg: string }[];
  readonly controller: AbortController;
  deliver(message: PeerMessage): Promise<void>;
}

/** Beyond this many save attempts the member is spinning: the test stops it and fails. */
const runawayAttempts = 500;

async function startMember(members: readonly string[]): Promise<Member> {
  const clock = new ManualClock(10_000);
  const controller = new AbortController();
  const store = new FaultyStore(durable(0, null, members), (attempts) => {
    if (attempts >= runawayAttempts) controller.abort();
  });
  const sent: PeerMessage[] = [];
  const events: ElectionEvent[] = [];
  const logLines: { level: number; event?: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line) as { level: number; event?: string; msg: string });
      }
      done();
    },
  });
  let handler: (message: PeerMessage) => void = () => undefined;
  const driver = new RaftDriver({
    config: config('a', members),
    store,
    channel: {
      send: (message) => sent.push(message),
      onMessage: (next) => {
        handler = next;
        return () => undefined;
      },
    },
    clock,
    random: seededRandom(3),
    logger: pino({ level: 'info' }, sink),
    observe: (event) => events.push(event),
  });
  await driver.start(controller.signal);
  return {
    driver,
    store,
    clock,
    sent,
    events,
    logLines,
    controller,
    async deliver(message) {
      handler(message);
      await driver.idle();
    },
  };
}

const warnLevel = 40;

describe('the Raft driver when its state cannot be saved', () => {
  test('shows no role, leader or fencing token before the save that makes them durable resolved', async () => {
    const member = await startMember(['a']);
    member.store.isHeld = true;
    await member.clock.advanceAndSettle(2_000);
    assert.equal(member.store.attempts, 1, 'the election asked to save term 1 and its own vote');
    const shown = member.driver.leadership();
    assert.ok(shown !== null, 'started');
    assert.equal(shown.isSelf, false, 'not the leader while its vote for itself is unsaved');
    assert.equal(shown.term, 0, 'still term 0 while term 1 is unsaved');
    assert.equal(shown.fencingToken, 0n);
    assert.equal(member.driver.nodeState()?.term, 0);
    member.store.release();
    await member.driver.idle();
    assert.equal(member.driver.leadership()?.isSelf, true, 'leads once term 1 is durable');
    assert.equal(member.driver.leadership()?.term, 1);
    member.controller.abort();
  });

  test('a leader stops acting at once on a step that ends its leadership, before that step is saved', async () => {
    const member = await startMember(['a', 'b', 'c']);
    await member.clock.advanceAndSettle(2_000);
    await member.deliver({ type: 'pre-vote-response', from: 'b', to: 'a', term: 1, granted: true });
    await member.deliver({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    const sent = member.sent.findLast((message) => message.type === 'heartbeat');
    assert.ok(sent?.type === 'heartbeat');
    await member.deliver(ack('b', 'a', 1, sent.sentAt));
    assert.equal(member.driver.leadership()?.isSelf, true);
    member.store.isHeld = true;
    const delivered = member.deliver(heartbeat('c', 'a', 2, member.clock.now()));
    await member.clock.advanceAndSettle(0);
    const during = member.driver.leadership();
    assert.equal(during?.isSelf, false, 'no longer acts while term 2 is being saved');
    assert.equal(during.term, 1, 'and shows no unsaved term');
    member.store.release();
    await delivered;
    assert.equal(member.driver.leadership()?.term, 2);
    member.controller.abort();
  });

  test('a failed save stops the campaign; it retries on a capped backoff with one warning each and recovers when a save succeeds', async () => {
    const member = await startMember(['a']);
    member.store.failure = 'EROFS';
    const minutes = 2;
    for (let elapsedMs = 0; elapsedMs < minutes * 60_000; elapsedMs += 250) {
      await member.clock.advanceAndSettle(250);
      assert.notEqual(member.driver.leadership()?.isSelf, true, 'never leads on unsaved state');
    }
    // A first delay of 1s doubling to a 30s cap (half of each step jittered) fits at most
    // 1 + 12 attempts in two minutes; a member that retries at once makes hundreds.
    assert.ok(
      member.store.attempts <= 13,
      `${member.store.attempts} save attempts in ${minutes} minutes`,
    );
    assert.ok(member.store.attempts >= 4, 'it keeps retrying');
    const fault = member.driver.storageFault();
    assert.ok(fault !== null, 'the driver reports the fault');
    assert.equal(fault.reason, 'read-only');
    assert.equal(fault.failures, member.store.attempts);
    const warnings = member.logLines.filter((line) => line.level >= warnLevel);
    assert.ok(
      warnings.length <= member.store.attempts,
      `${warnings.length} warnings for ${member.store.attempts} failed saves`,
    );
    assert.ok(warnings.every((line) => line.event === 'raft.state-save-failed'));
    const counted = member.events.filter((event) => event.type === 'state-save-failed');
    assert.equal(counted.length, member.store.attempts, 'every failed save is counted');
    assert.deepEqual(counted[0], { type: 'state-save-failed', reason: 'read-only' });

    member.store.failure = null;
    await member.clock.advanceAndSettle(31_000);
    assert.equal(member.driver.storageFault(), null, 'recovered once a save succeeded');
    await member.clock.advanceAndSettle(2_000);
    assert.equal(member.driver.leadership()?.isSelf, true, 'campaigns and leads again');
    assert.ok(
      member.logLines.some((line) => line.event === 'raft.state-save-recovered'),
      'says it recovered',
    );
    member.controller.abort();
  });

  test("a candidate's vote requests leave while its own vote is being saved, and no grant counts before that save", async () => {
    const member = await startMember(['a', 'b', 'c']);
    await member.clock.advanceAndSettle(2_000);
    member.store.isHeld = true;
    const campaign = member.deliver({
      type: 'pre-vote-response',
      from: 'b',
      to: 'a',
      term: 1,
      granted: true,
    });
    await member.clock.advanceAndSettle(0);
    assert.equal(member.store.attempts, 1, 'saving term 1 and its vote for itself');
    const requests = member.sent.filter((message) => message.type === 'vote');
    assert.deepEqual(
      requests.map((message) => [message.to, message.term]),
      [
        ['b', 1],
        ['c', 1],
      ],
      'the vote requests left before the save resolved',
    );
    const granted = member.deliver({
      type: 'vote-response',
      from: 'b',
      to: 'a',
      term: 1,
      granted: true,
    });
    await member.clock.advanceAndSettle(0);
    assert.notEqual(
      member.driver.nodeState()?.roleState.role,
      'leader',
      'not before its vote is saved',
    );
    assert.ok(!member.sent.some((message) => message.type === 'heartbeat'), 'no heartbeat yet');
    member.store.release();
    await campaign;
    await granted;
    assert.equal(member.driver.nodeState()?.roleState.role, 'leader', 'leads once it is');
    assert.equal(member.sent.filter((message) => message.type === 'vote').length, 2, 'sent once');
    member.controller.abort();
  });

  test('a leader whose save fails steps down and grants no vote it could not save', async () => {
    const member = await startMember(['a', 'b', 'c']);
    await member.clock.advanceAndSettle(2_000);
    const preVote = member.sent.find((message) => message.type === 'pre-vote');
    assert.ok(preVote !== undefined, 'it asked for pre-votes');
    await member.deliver({
      type: 'pre-vote-response',
      from: 'b',
      to: 'a',
      term: 1,
      granted: true,
    });
    await member.deliver({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    const sent = member.sent.findLast((message) => message.type === 'heartbeat');
    assert.ok(sent?.type === 'heartbeat', 'it leads and sends heartbeats');
    await member.deliver(ack('b', 'a', 1, sent.sentAt));
    assert.equal(member.driver.leadership()?.isSelf, true, 'an acting leader');

    member.store.failure = 'ENOSPC';
    const sentBefore = member.sent.length;
    // A leader of term 2 (c) makes it follow term 2, which it must save first.
    await member.deliver(heartbeat('c', 'a', 2, member.clock.now()));
    assert.equal(member.driver.leadership()?.isSelf, false, 'it no longer acts');
    assert.notEqual(member.driver.nodeState()?.roleState.role, 'leader');
    assert.equal(member.driver.storageFault()?.reason, 'no-space');
    assert.ok(
      !member.sent
        .slice(sentBefore)
        .some((message) => message.type === 'vote-response' && message.granted),
      'no vote granted for a term it could not save',
    );
    assert.equal(member.driver.nodeState()?.term, 1, 'the unsaved term 2 never shows');

    // While it cannot save, a vote request costs no save attempt and gets no vote.
    const attempts = member.store.attempts;
    await member.deliver(vote('b', 'a', 3));
    assert.equal(member.store.attempts, attempts);
    assert.ok(!member.sent.some((message) => message.type === 'vote-response' && message.granted));
    member.controller.abort();
  });
});
