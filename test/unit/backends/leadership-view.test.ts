import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import type { ElectionState } from '../../../src/backends/backend.js';
import { LeadershipView, type DerivedLeadership } from '../../../src/backends/leadership-view.js';
import { ManualClock } from '../manual-clock.js';
import { LogLineCheck } from '../../../lab/log-line-check.js';

type LogLine = Readonly<Record<string, unknown>>;

function capturingLogger(lines: LogLine[]): Logger {
  return pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
}

/** What the fake backend knows; the derivation below turns it into a state, as a backend would. */
interface Known {
  /** This member acts until this instant (monotonic ms); null while it holds nothing. */
  actingUntil: number | null;
  ownToken: bigint;
  /** Another member leads, with this token, until `followedUntil`. */
  leader: { readonly id: string; readonly token: bigint } | null;
  followedUntil: number | null;
}

/** A backend's view over `known`; the test calls what a backend calls after a change. */
class FakeView extends LeadershipView {
  constructor(
    private readonly known: Known,
    clock: ManualClock,
    logger: Logger,
  ) {
    super('etcd', clock, logger);
  }

  override noteToken(token: bigint | null): void {
    super.noteToken(token);
  }

  override highestToken(): bigint {
    return super.highestToken();
  }

  protected derive(now: number, highestToken: bigint): DerivedLeadership {
    const { known } = this;
    if (known.actingUntil !== null && now < known.actingUntil) {
      return {
        state: {
          leader: 'self',
          leaderAddress: 'self:1',
          fencingToken: known.ownToken,
          term: known.ownToken,
          isSelf: true,
          leaseExpiresAt: known.actingUntil,
          role: 'leader',
        },
        changesAt: known.actingUntil,
      };
    }
    const isFollowing =
      known.leader !== null && known.followedUntil !== null && now < known.followedUntil;
    const token = isFollowing && known.leader !== null ? known.leader.token : highestToken;
    const state: ElectionState = {
      leader: isFollowing ? (known.leader?.id ?? null) : null,
      leaderAddress: null,
      fencingToken: token,
      term: token,
      isSelf: false,
      leaseExpiresAt: null,
      role: isFollowing ? 'follower' : 'candidate',
    };
    return { state, changesAt: isFollowing ? known.followedUntil : null };
  }
}

function setUp(known: Known) {
  const clock = new ManualClock(1000);
  const lines: LogLine[] = [];
  const view = new FakeView(known, clock, capturingLogger(lines));
  const seen: { at: number; state: ElectionState }[] = [];
  view.onChange((state) => seen.push({ at: clock.now(), state }));
  return { clock, lines, view, seen };
}

describe('LeadershipView', () => {
  test('publishes the step-down exactly at the acting deadline, with no event', () => {
    const known: Known = { actingUntil: 1500, ownToken: 4n, leader: null, followedUntil: null };
    const { clock, view, seen } = setUp(known);
    view.refresh();
    assert.deepEqual(
      seen.map(({ at, state }) => [at, state.isSelf]),
      [[1000, true]],
    );
    clock.advance(499);
    assert.equal(seen.length, 1, 'still acting 1 ms before the deadline');
    assert.equal(view.current().isSelf, true);
    clock.advance(1);
    assert.deepEqual(
      seen.map(({ at, state }) => [at, state.isSelf, state.role]),
      [
        [1000, true, 'leader'],
        [1500, false, 'candidate'],
      ],
    );
    assert.deepEqual(clock.pendingDueTimes(), [], 'no timer left once nothing lapses');
  });

  test("publishes that a followed leader's lease lapsed when it lapses", () => {
    const known: Known = {
      actingUntil: null,
      ownToken: 0n,
      leader: { id: 'b', token: 9n },
      followedUntil: 3000,
    };
    const { clock, view, seen } = setUp(known);
    view.refresh();
    clock.advance(2000);
    assert.deepEqual(
      seen.map(({ at, state }) => [at, state.leader, state.fencingToken]),
      [
        [1000, 'b', 9n],
        [3000, null, 9n],
      ],
    );
  });

  test('keeps one timer, at the latest deadline, when the lease is renewed', () => {
    const known: Known = { actingUntil: 1500, ownToken: 4n, leader: null, followedUntil: null };
    const { clock, view, seen } = setUp(known);
    view.refresh();
    clock.advance(200);
    known.actingUntil = 2000;
    view.refresh();
    assert.deepEqual(clock.pendingDueTimes(), [2000]);
    clock.advance(799);
    assert.equal(seen.length, 1, 'the old deadline published nothing');
    clock.advance(1);
    assert.deepEqual(
      seen.map(({ at, state }) => [at, state.isSelf]),
      [
        [1000, true],
        [2000, false],
      ],
    );
  });

  test('never reports a lower token once no leader is known', () => {
    const known: Known = {
      actingUntil: null,
      ownToken: 0n,
      leader: { id: 'b', token: 12n },
      followedUntil: 2000,
    };
    const { clock, view } = setUp(known);
    view.noteToken(5n);
    view.refresh();
    assert.equal(view.highestToken(), 12n, "the leader's token raised the highest");
    view.noteToken(3n);
    assert.equal(view.highestToken(), 12n, 'a lower token changes nothing');
    clock.advance(1000);
    assert.equal(view.current().leader, null);
    assert.equal(view.current().fencingToken, 12n);
  });

  test('logs one leadership.changed line per change, with the same fields on every backend', () => {
    const known: Known = {
      actingUntil: null,
      ownToken: 7n,
      leader: { id: 'b', token: 6n },
      followedUntil: 5000,
    };
    const { view, lines } = setUp(known);
    view.refresh();
    view.refresh();
    known.actingUntil = 9000;
    view.refresh();
    const changes = lines.filter((line) => line.event === 'leadership.changed');
    assert.equal(changes.length, 2, 'a refresh without a change logs nothing');
    for (const line of changes) {
      for (const field of [
        'backend',
        'term',
        'fencingToken',
        'leader',
        'previousLeader',
        'isSelf',
        'role',
      ]) {
        assert.ok(field in line, `leadership.changed has ${field}`);
      }
    }
    assert.deepEqual(
      changes.map((line) => [line.backend, line.leader, line.previousLeader, line.fencingToken]),
      [
        ['etcd', 'b', null, '6'],
        ['etcd', 'self', 'b', '7'],
      ],
    );
  });

  test('writes backend once when the logger already carries it, as the CLI root logger does', () => {
    const known: Known = { actingUntil: 2000, ownToken: 3n, leader: null, followedUntil: null };
    const check = new LogLineCheck('leadership view');
    const logger = pino({ base: { backend: 'etcd', election: 'orders' } }, check.destination());
    const view = new FakeView(known, new ManualClock(1000), logger);
    view.refresh();
    assert.equal(check.assertClean(), 1);
  });

  test('a listener that throws is logged, and the others still run', () => {
    const known: Known = { actingUntil: 2000, ownToken: 1n, leader: null, followedUntil: null };
    const { view, lines, seen } = setUp(known);
    view.onChange(() => {
      throw new Error('listener bug');
    });
    const after: boolean[] = [];
    view.onChange((state) => after.push(state.isSelf));
    view.refresh();
    assert.equal(seen.length, 1);
    assert.deepEqual(after, [true]);
    assert.equal(lines.filter((line) => line.event === 'listener.failed').length, 1);
  });

  test('an unsubscribed listener hears nothing more, and close() sets no timer again', () => {
    const known: Known = { actingUntil: 2000, ownToken: 1n, leader: null, followedUntil: null };
    const { clock, view } = setUp(known);
    const heard: boolean[] = [];
    const unsubscribe = view.onChange((state) => heard.push(state.isSelf));
    view.refresh();
    unsubscribe();
    known.actingUntil = null;
    view.close();
    assert.deepEqual(heard, [true]);
    known.actingUntil = 5000;
    view.refresh();
    assert.deepEqual(clock.pendingDueTimes(), []);
  });
});
