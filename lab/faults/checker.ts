import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { History, RoleRun } from './history.js';

export interface CheckOptions {
  /**
   * How far acting intervals of different members may overlap. Intervals are already only
   * the part each member certainly acted in (see `actingIntervals`), and every observation is
   * timed on the test process's one clock, so the default is 0.
   */
  readonly overlapToleranceMs?: number;
  /** After each heal an acting leader must be observed within this. Default 2T + 1500 ms. */
  readonly recoveryBoundMs?: number;
}

/** Where one member acted with one fencing token, as far as the polls prove it. */
interface ActingInterval {
  readonly member: string;
  readonly fencingToken: number;
  /** Sent and received times of the first and the last 200 for this member and token. */
  readonly firstSentAt: number;
  readonly firstReceivedAt: number;
  readonly lastSentAt: number;
  readonly lastReceivedAt: number;
  readonly observations: number;
}

export interface Verdict {
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly intervals: readonly ActingInterval[];
  /** The largest overlap between acting intervals of different members; negative is a gap. */
  readonly maxOverlapMs: number | null;
  readonly heals: number;
  readonly maxRecoveryMs: number | null;
  /** One line: PASS or FAIL with the counts, or the first violation. */
  readonly line: string;
}

/**
 * Groups every 200 by member and token. A member acted at some instant of each poll's
 * [sent, received] window; by the lease argument (docs/raft-safety.md, Claim 5) it acted
 * throughout from its first to its last 200 with one token, so it certainly acted during
 * [first received, last sent]. When that is empty (one poll) it acted at some instant of
 * [last sent, first received].
 */
function actingIntervals(runs: readonly RoleRun[]): ActingInterval[] {
  const byKey = new Map<string, ActingInterval>();
  for (const run of runs) {
    if (run.state !== 'acting' || run.fencingToken === null) continue;
    const key = `${run.member}\0${run.fencingToken}`;
    const known = byKey.get(key);
    byKey.set(key, {
      member: run.member,
      fencingToken: run.fencingToken,
      firstSentAt: Math.min(known?.firstSentAt ?? Infinity, run.firstSentAt),
      firstReceivedAt: Math.min(known?.firstReceivedAt ?? Infinity, run.firstReceivedAt),
      lastSentAt: Math.max(known?.lastSentAt ?? -Infinity, run.lastSentAt),
      lastReceivedAt: Math.max(known?.lastReceivedAt ?? -Infinity, run.lastReceivedAt),
      observations: (known?.observations ?? 0) + run.count,
    });
  }
  return [...byKey.values()].sort((a, b) => a.firstReceivedAt - b.firstReceivedAt);
}

/** Verifies a recorded history: no overlap, increasing tokens, one leader per term, recovery. */
export function checkHistory(history: History, options: CheckOptions = {}): Verdict {
  const tolerance = options.overlapToleranceMs ?? 0;
  const bound = options.recoveryBoundMs ?? 2 * history.electionTimeoutMs + 1500;
  const intervals = actingIntervals(history.runs);
  const violations: string[] = [];
  let maxOverlapMs: number | null = null;
  for (const [index, a] of intervals.entries()) {
    for (const b of intervals.slice(index + 1)) {
      if (a.fencingToken === b.fencingToken) {
        violations.push(`${describe(a)} and ${describe(b)} acted with the same token`);
        continue;
      }
      const [low, high] = a.fencingToken < b.fencingToken ? [a, b] : [b, a];
      if (isBefore(high, low)) {
        violations.push(`token regression: ${describe(low)} began after ${describe(high)}`);
      }
      if (a.member === b.member) {
        if (low.lastSentAt > high.firstReceivedAt) {
          violations.push(`${describe(low)} still acted after ${describe(high)} began`);
        }
        continue;
      }
      const overlap = certainOverlapMs(a, b, tolerance);
      if (overlap.measured !== null) {
        maxOverlapMs = Math.max(maxOverlapMs ?? -Infinity, overlap.measured);
      }
      if (overlap.violation !== null) violations.push(overlap.violation);
    }
  }
  violations.push(...viewViolations(history));
  const recovery = recoveryAfterHeals(history, bound);
  violations.push(...recovery.violations);
  const ok = violations.length === 0;
  const tokens = intervals.map((interval) => interval.fencingToken);
  const observations = history.runs.reduce((sum, run) => sum + run.count, 0);
  const summary = [
    `${history.members.length} members`,
    `${intervals.length} acting intervals (tokens ${tokens.length === 0 ? '-' : `${Math.min(...tokens)}→${Math.max(...tokens)}`})`,
    `max overlap ${maxOverlapMs === null ? '-' : `${maxOverlapMs.toFixed(1)} ms`}`,
    `${recovery.heals} heals, slowest recovery ${recovery.maxMs === null ? '-' : `${recovery.maxMs.toFixed(0)} ms`} (bound ${bound} ms)`,
    `${observations} polls`,
  ].join(' · ');
  const line = ok
    ? `leadership checker: PASS · ${summary}`
    : `leadership checker: FAIL · ${violations.length} violation(s), first: ${violations[0] ?? ''} · ${summary}`;
  return {
    ok,
    violations,
    intervals,
    maxOverlapMs,
    heals: recovery.heals,
    maxRecoveryMs: recovery.maxMs,
    line,
  };
}

/**
 * Checks, prints the one-line verdict, and on failure writes the whole history to a JSON file
 * under a new temp directory and throws an error naming it.
 */
export function assertLeadershipHeld(
  history: History,
  name: string,
  options: CheckOptions = {},
): Verdict {
  const verdict = checkHistory(history, options);
  console.log(`${name}: ${verdict.line}`);
  if (verdict.ok) return verdict;
  const file = saveHistory(history, name);
  throw new Error(
    [
      verdict.line,
      ...verdict.violations.slice(0, 20).map((violation) => `  ${violation}`),
      `history (replay with: node --import tsx lab/faults/check-history.ts ${file}): ${file}`,
    ].join('\n'),
  );
}

/** Writes `history` as JSON under a new temp directory; returns the file's path. */
export function saveHistory(history: History, name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'elector-faults-')), `${name}-history.json`);
  writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
  return file;
}

function describe(interval: ActingInterval): string {
  const { member, fencingToken, firstReceivedAt, lastSentAt } = interval;
  return `${member} (token ${fencingToken}, ${firstReceivedAt.toFixed(1)}–${lastSentAt.toFixed(1)} ms)`;
}

/** True when `a` certainly began acting before `b` did. */
function isBefore(a: ActingInterval, b: ActingInterval): boolean {
  return a.firstReceivedAt < b.firstSentAt;
}

/** The span an interval certainly covers, or null when only "some instant" of a window is known. */
function certainSpan(interval: ActingInterval): { start: number; end: number } | null {
  return interval.firstReceivedAt <= interval.lastSentAt
    ? { start: interval.firstReceivedAt, end: interval.lastSentAt }
    : null;
}

function certainOverlapMs(
  a: ActingInterval,
  b: ActingInterval,
  tolerance: number,
): { measured: number | null; violation: string | null } {
  const spanA = certainSpan(a);
  const spanB = certainSpan(b);
  if (spanA !== null && spanB !== null) {
    const overlap = Math.min(spanA.end, spanB.end) - Math.max(spanA.start, spanB.start);
    const violation =
      overlap > tolerance
        ? `overlap of ${overlap.toFixed(1)} ms: ${describe(a)} and ${describe(b)} both acted`
        : null;
    return { measured: overlap, violation };
  }
  // One poll only: that member acted at some instant of [last sent, first received].
  const [single, span] = spanA === null ? [a, spanB] : [b, spanA];
  if (span === null) return { measured: null, violation: null };
  const inside =
    single.lastSentAt >= span.start + tolerance && single.firstReceivedAt <= span.end - tolerance;
  return {
    measured: null,
    violation: inside
      ? `overlap: ${describe(single)} acted at an instant inside ${describe(single === a ? b : a)}`
      : null,
  };
}

/** A member's view of the token never goes back, and every term has one leader in all views. */
function viewViolations(history: History): string[] {
  const violations: string[] = [];
  const lastToken = new Map<string, number>();
  const leaderOfTerm = new Map<number, { leader: string; seenBy: string }>();
  for (const view of [...history.views].sort((a, b) => a.receivedAt - b.receivedAt)) {
    if (view.fencingToken === null || view.leader === null) continue;
    const previous = lastToken.get(view.member);
    if (previous !== undefined && view.fencingToken < previous) {
      violations.push(
        `${view.member}'s view went back from token ${previous} to ${view.fencingToken} at ${view.receivedAt.toFixed(1)} ms`,
      );
    }
    lastToken.set(view.member, Math.max(previous ?? 0, view.fencingToken));
    const known = leaderOfTerm.get(view.fencingToken);
    if (known === undefined) {
      leaderOfTerm.set(view.fencingToken, { leader: view.leader, seenBy: view.member });
    } else if (known.leader !== view.leader) {
      violations.push(
        `two leaders for token ${view.fencingToken}: ${known.seenBy} saw ${known.leader}, ${view.member} saw ${view.leader}`,
      );
    }
  }
  return violations;
}

function recoveryAfterHeals(
  history: History,
  boundMs: number,
): { heals: number; maxMs: number | null; violations: string[] } {
  const acting = history.runs.filter((run) => run.state === 'acting');
  const violations: string[] = [];
  let maxMs: number | null = null;
  const heals = history.marks.filter((mark) => mark.kind === 'heal');
  for (const heal of heals) {
    const delays = acting
      .filter((run) => run.lastSentAt >= heal.at)
      .map((run) => Math.max(0, run.firstReceivedAt - heal.at));
    const recovery = delays.length === 0 ? null : Math.min(...delays);
    if (recovery !== null) maxMs = Math.max(maxMs ?? 0, recovery);
    if (recovery === null || recovery > boundMs) {
      violations.push(
        `no acting leader within ${boundMs} ms of heal "${heal.label}" at ${heal.at.toFixed(1)} ms (${recovery === null ? 'none seen' : `first after ${recovery.toFixed(0)} ms`})`,
      );
    }
  }
  return { heals: heals.length, maxMs, violations };
}
