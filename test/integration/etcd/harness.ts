import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { createEtcdBackend } from '../../../src/backends/etcd/etcd-backend.js';
import type { EtcdBackendOptions } from '../../../src/backends/etcd/options.js';
import type { ElectionEvent } from '../../../src/core/election-events.js';
import { seededRandom } from '../../../src/core/random.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { EtcdCluster } from '../../../lab/etcd-server.js';
import { actingDeadlineAfter } from '../../../lab/acting-deadline.js';
import { testLogger } from '../../../lab/test-logger.js';
import { waitFor, within } from '../../../lab/wait-for.js';

/** One in-process election member with everything it reported. */
export interface Member {
  readonly id: string;
  readonly backend: ElectionBackend;
  readonly events: ElectionEvent[];
  /** Every onChange, with the monotonic time it arrived. */
  readonly changes: { readonly at: number; readonly state: ElectionState }[];
  readonly logs: string[];
  /** Campaign wake-ups (predecessor and own-key watches). */
  watchEvents(): number;
  /** Notifications that the leader's key is gone (followers behind the successor). */
  leaderWatchEvents(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type MemberOverrides = Partial<
  Pick<
    EtcdBackendOptions,
    | 'leaseTtlSeconds'
    | 'safetyMarginMs'
    | 'refreshIntervalMs'
    | 'requestTimeoutMs'
    | 'retryMaxDelayMs'
    | 'auth'
    | 'tls'
  >
>;

let seed = 1;

export function createMember(
  endpoints: readonly string[],
  electionName: string,
  id: string,
  overrides: MemberOverrides = {},
): Member {
  const events: ElectionEvent[] = [];
  const changes: { at: number; state: ElectionState }[] = [];
  const logs: string[] = [];
  const logger = testLogger(id, { level: 'info', base: { member: id } }, (line) => {
    logs.push(line);
  });
  const backend = createEtcdBackend({
    memberId: id,
    address: `127.0.0.1:${String(9000 + (seed % 1000))}`,
    endpoints,
    electionName,
    leaseTtlSeconds: 2,
    retryMaxDelayMs: 500,
    ...overrides,
    clock: systemClock,
    random: seededRandom(seed++),
    observe: (event) => {
      events.push(event);
    },
    logger,
  });
  backend.onChange((state) => {
    changes.push({ at: systemClock.now(), state });
  });
  const controller = new AbortController();
  return {
    id,
    backend,
    events,
    changes,
    logs,
    watchEvents: () => events.filter((event) => event.type === 'watch-event').length,
    leaderWatchEvents: () => events.filter((event) => event.type === 'leader-watch-event').length,
    start: () => backend.start(controller.signal),
    stop: async () => {
      controller.abort();
      await within(backend.stopped(), 10_000, `${id} to stop`);
    },
  };
}

/** Creates and starts members one after another, so their queue order is their array order. */
export async function startMembers(
  endpoints: readonly string[],
  electionName: string,
  count: number,
  overrides: MemberOverrides = {},
): Promise<Member[]> {
  const members: Member[] = [];
  for (let index = 0; index < count; index += 1) {
    const member = createMember(endpoints, electionName, `${electionName}-${index}`, overrides);
    members.push(member);
    await member.start();
  }
  return members;
}

export async function stopMembers(members: readonly Member[]): Promise<void> {
  await Promise.all(members.map((member) => member.stop()));
}

export function actingLeaders(members: readonly Member[]): Member[] {
  return members.filter((member) => member.backend.current().isSelf);
}

/**
 * Waits until exactly one member acts as leader and every other member names it, and returns
 * it. The failure message shows what each member reported last.
 */
export async function waitForOneLeader(
  members: readonly Member[],
  what: string,
  timeoutMs = 10_000,
): Promise<Member> {
  return waitFor(
    () => {
      const leaders = actingLeaders(members);
      const leader = leaders[0];
      if (leaders.length !== 1 || leader === undefined) return false;
      const agree = members.every((member) => member.backend.current().leader === leader.id);
      return agree ? leader : false;
    },
    { timeoutMs, what },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nnow: ${describeStates(members)}`, { cause: error });
  });
}

function describeStates(members: readonly Member[]): string {
  return members
    .map((member) => {
      const state = member.backend.current();
      return `${member.id}:${state.role}/${state.leader ?? '-'}@${state.fencingToken.toString()}`;
    })
    .join(' ');
}

/**
 * Samples every member's current() every few milliseconds and records each instant at which
 * more than one claimed to lead. All members share this process's monotonic clock, so one
 * sample is one instant for all of them.
 */
export class LeaderSampler {
  readonly overlaps: string[] = [];
  /**
   * Per member, the latest acting deadline (leaseExpiresAt) seen while it acted: since current()
   * stops reporting isSelf at that deadline whatever the timers do, it bounds when it stopped acting.
   */
  readonly actingUntil = new Map<string, number>();
  /** The longest stretch during which no member acted as leader, in ms. */
  longestGapMs = 0;
  private gapStartedAt: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(members: () => readonly Member[]) {
    this.timer = setInterval(() => {
      const now = systemClock.now();
      const leaders = actingLeaders(members());
      for (const leader of leaders) {
        const until = this.actingUntil.get(leader.id) ?? 0;
        this.actingUntil.set(leader.id, actingDeadlineAfter(until, leader.backend.current()));
      }
      if (leaders.length > 1) this.overlaps.push(leaders.map((member) => member.id).join('+'));
      if (leaders.length === 0) {
        this.gapStartedAt ??= now;
        this.longestGapMs = Math.max(this.longestGapMs, now - this.gapStartedAt);
      } else {
        this.gapStartedAt = null;
      }
    }, 5);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Runs `body`; on failure prints the etcd log and the members' recent log lines. */
export async function withLogs<T>(
  cluster: EtcdCluster,
  members: () => readonly Member[],
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const memberLogs = members()
      .map((member) => `--- ${member.id} ---\n${member.logs.slice(-40).join('')}`)
      .join('\n');
    process.stderr.write(
      `\n=== etcd log (test failed) ===\n${cluster.logs().slice(-10_000)}\n=== member logs ===\n${memberLogs}\n`,
    );
    throw error;
  }
}
