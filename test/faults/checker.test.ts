import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { assertLeadershipHeld, checkHistory } from '../../lab/faults/checker.js';
import type { History, Mark, RoleRun, ViewEvent } from '../../lab/faults/history.js';

/** A run of 200s polled every 10 ms from `from` to `to`, each answered 2 ms after it was sent. */
function acting(member: string, fencingToken: number, from: number, to: number): RoleRun {
  return {
    member,
    state: 'acting',
    fencingToken,
    firstSentAt: from,
    firstReceivedAt: from + 2,
    lastSentAt: to,
    lastReceivedAt: to + 2,
    count: Math.max(1, Math.round((to - from) / 10)),
  };
}

function waiting(member: string, from: number, to: number): RoleRun {
  return { ...acting(member, 0, from, to), state: 'not-acting', fencingToken: null };
}

function history(runs: RoleRun[], marks: Mark[] = [], views: ViewEvent[] = []): History {
  return {
    version: 1,
    seed: null,
    backend: 'raft',
    members: ['a', 'b', 'c'],
    heartbeatMs: 100,
    electionTimeoutMs: 500,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: 10_000,
    runs,
    views,
    marks,
  };
}

function view(member: string, receivedAt: number, leader: string, token: number): ViewEvent {
  return {
    member,
    receivedAt,
    leader,
    fencingToken: token,
    term: token,
    isSelf: member === leader,
  };
}

describe('the leadership checker', () => {
  test('passes a history where b takes over from a with a higher token after a gap', () => {
    const verdict = checkHistory(
      history(
        [acting('a', 3, 0, 1000), waiting('a', 1010, 3000), acting('b', 4, 1400, 3000)],
        [
          { at: 900, kind: 'fault', label: 'isolate a' },
          { at: 2000, kind: 'heal', label: 'isolate a' },
        ],
        [view('b', 1, 'a', 3), view('b', 1400, 'b', 4)],
      ),
    );
    assert.deepEqual(verdict.violations, []);
    assert.equal(verdict.ok, true);
    assert.match(verdict.line, /^leadership checker: PASS · 3 members · 2 acting intervals/);
    assert.ok(verdict.maxOverlapMs !== null && verdict.maxOverlapMs < 0);
    assert.equal(verdict.maxRecoveryMs, 0);
  });

  test('reports two members acting at once, with the length of the overlap', () => {
    const verdict = checkHistory(history([acting('a', 3, 0, 1000), acting('b', 4, 800, 2000)]));
    assert.equal(verdict.ok, false);
    assert.match(verdict.violations[0] ?? '', /^overlap of 198\.0 ms: a \(token 3.*b \(token 4/);
    assert.match(verdict.line, /^leadership checker: FAIL · 1 violation\(s\), first: overlap/);
  });

  test('reports a stale 200 from an old leader inside its successor interval', () => {
    const stale = acting('a', 3, 1500, 1500);
    const verdict = checkHistory(
      history([acting('a', 3, 0, 1000), acting('b', 4, 1200, 2000), stale]),
    );
    assert.ok(verdict.violations.some((violation) => violation.startsWith('overlap of 298.0 ms')));
  });

  test('reports a single poll of a new member that falls inside another member interval', () => {
    const verdict = checkHistory(history([acting('a', 3, 0, 1000), acting('b', 4, 500, 500)]));
    assert.match(
      verdict.violations.join('\n'),
      /overlap: b \(token 4.*acted at an instant inside a/,
    );
  });

  test('does not report leaders whose poll windows only might have overlapped', () => {
    // a's last 200 was sent at 100 (answered by 110); b's first was answered at 104.
    const a: RoleRun = { ...acting('a', 3, 0, 100), lastReceivedAt: 110 };
    const b: RoleRun = { ...acting('b', 4, 101, 300), firstReceivedAt: 104 };
    assert.deepEqual(checkHistory(history([a, b])).violations, []);
  });

  test('reports a fencing token that goes back across leaders', () => {
    const verdict = checkHistory(history([acting('a', 5, 0, 1000), acting('b', 4, 1500, 2000)]));
    assert.deepEqual(verdict.violations.length, 1);
    assert.match(
      verdict.violations[0] ?? '',
      /^token regression: b \(token 4.*began after a \(token 5/,
    );
  });

  test('reports two members acting with the same token, even far apart', () => {
    const verdict = checkHistory(history([acting('a', 4, 0, 1000), acting('b', 4, 5000, 6000)]));
    assert.match(verdict.violations[0] ?? '', /acted with the same token/);
  });

  test('reports a member acting with an older token after a newer one', () => {
    const verdict = checkHistory(
      history([acting('a', 4, 0, 1000), acting('a', 6, 1200, 1500), acting('a', 4, 1600, 1700)]),
    );
    assert.match(verdict.violations.join('\n'), /a \(token 4.*still acted after a \(token 6/);
  });

  test('reports a member view that goes back and two leaders named for one term', () => {
    const verdict = checkHistory(
      history([], [], [view('a', 10, 'a', 5), view('a', 20, 'b', 4), view('c', 30, 'c', 5)]),
    );
    assert.deepEqual(verdict.violations, [
      "a's view went back from token 5 to 4 at 20.0 ms",
      'two leaders for token 5: a saw a, c saw c',
    ]);
  });

  test('reports a heal after which no leader acts within the bound', () => {
    const marks: Mark[] = [
      { at: 1000, kind: 'fault', label: 'pause a' },
      { at: 2000, kind: 'heal', label: 'pause a' },
    ];
    const late = checkHistory(
      history([acting('a', 3, 0, 1000), acting('b', 4, 5000, 6000)], marks),
    );
    assert.match(
      late.violations[0] ?? '',
      /no acting leader within 2500 ms of heal "pause a".*first after 3002 ms/,
    );
    const never = checkHistory(history([acting('a', 3, 0, 1000)], marks));
    assert.match(never.violations[0] ?? '', /none seen/);
    const inTime = checkHistory(
      history([acting('a', 3, 0, 1000), acting('b', 4, 2400, 6000)], marks),
    );
    assert.equal(inTime.ok, true);
    assert.equal(inTime.maxRecoveryMs, 402);
  });

  test('writes a failing history to a JSON file and names the file in its error', () => {
    const failing = history([acting('a', 3, 0, 1000), acting('b', 4, 800, 2000)]);
    let message = '';
    try {
      assertLeadershipHeld(failing, 'synthetic-overlap');
    } catch (error) {
      message = String(error);
    }
    const file = /history \(replay with: .*\): (\S+synthetic-overlap-history\.json)/.exec(
      message,
    )?.[1];
    assert.ok(file !== undefined, message);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), failing);
    rmSync(dirname(file), { recursive: true, force: true });
  });
});
