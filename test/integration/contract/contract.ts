// The contract every election backend keeps, as data: each check runs on a fresh election of one
// backend. contract.test.ts runs every check over raft, etcd, zookeeper and kubernetes (as
// hashicorp/raft runs one transport suite over every transport); contract-mutations.test.ts shows
// that the checks fail on backends broken on purpose.
import assert from 'node:assert/strict';
import { ElectorError } from '../../../src/core/errors.js';
import { waitFor } from '../../../lab/wait-for.js';
import type {
  BackendUnderTest,
  BackendWrapper,
  ContractMember,
  ElectionTuning,
} from './backends.js';

/** What a check gets: its backend, and fresh elections on it that are stopped afterwards. */
interface ContractRun {
  readonly backend: BackendUnderTest;
  /** A fresh election whose members started one after another (their queue order). */
  readonly started: (count: number, tuning?: ElectionTuning) => Promise<ContractMember[]>;
  /** A fresh election, not started; its members are stopped after the check too. */
  readonly created: (count: number, tuning?: ElectionTuning) => Promise<ContractMember[]>;
}

export interface ContractCheck {
  readonly name: string;
  /** Only for backends whose candidates queue (etcd, ZooKeeper). */
  readonly isQueueOnly?: boolean;
  /** Only for backends that hand over to a named member (BackendUnderTest.handsOverToNamed). */
  readonly isNamedHandoverOnly?: boolean;
  /** Only for backends whose leader hands over to a higher `--priority` (BackendUnderTest.preemptsByPriority). */
  readonly isPriorityOnly?: boolean;
  readonly run: (run: ContractRun) => Promise<void>;
}

function describeMembers(members: readonly ContractMember[]): string {
  return members
    .map((member) => {
      const state = member.backend.current();
      return `${member.id}: ${state.role}${state.isSelf ? ' acting' : ''} leader=${state.leader ?? '-'} token=${state.fencingToken}`;
    })
    .join('; ');
}

/**
 * Waits until exactly one of `members` acts, every one of them names it, and it is not `not`;
 * returns it. The failure says what each member reported last.
 */
async function oneLeader(
  members: readonly ContractMember[],
  what: string,
  not: ContractMember | null = null,
  timeoutMs = 15_000,
): Promise<ContractMember> {
  try {
    return await waitFor(
      () => {
        const acting = members.filter((member) => member.backend.current().isSelf);
        const leader = acting[0];
        if (acting.length !== 1 || leader === undefined || leader === not) return undefined;
        return members.every((member) => member.backend.current().leader === leader.id)
          ? leader
          : undefined;
      },
      { timeoutMs, what },
    );
  } catch (error) {
    throw new Error(`${String(error)}\nnow: ${describeMembers(members)}`, { cause: error });
  }
}

function assertTokensNeverDecrease(members: readonly ContractMember[]): void {
  for (const member of members) {
    member.tokens.forEach((token, index) => {
      const previous = member.tokens[index - 1];
      assert.ok(
        previous === undefined || token >= previous,
        `${member.id} reported token ${token} after ${previous}`,
      );
    });
  }
}

const tokenOf = (member: ContractMember): bigint => member.backend.current().fencingToken;

/** Whether `member` ever won an election (it led at some point). */
const hasLed = (member: ContractMember): boolean =>
  member.events.some((event) => event.type === 'election-finished' && event.result === 'won');

/** The `--priority` checks (issue 17), kept apart from the others to ease merging. */
function priorityChecks(): ContractCheck[] {
  return [
    {
      name: 'a member of higher priority takes over once queued for the whole window, not when it came and went within it',
      isPriorityOnly: true,
      async run({ created }) {
        const windowMs = 2000;
        const members = await created(3, {
          rereadIntervalMs: 100,
          priorities: [0, 0, 5],
          priorityHandoverDelayMs: windowMs,
        });
        const [first, second, preferred] = members;
        assert.ok(first && second && preferred);
        await first.start();
        await second.start();
        assert.equal(await oneLeader([first, second], 'the first to join leads'), first);
        const token = tokenOf(first);
        const listedByLeader = (): boolean =>
          first.backend.members().some((status) => status.id === preferred.id);
        await preferred.start();
        await waitFor(listedByLeader, { timeoutMs: 10_000, what: 'the leader to see it' });
        // It comes and goes inside the window: its window starts again when it is back.
        preferred.backend.setEligible(false);
        await waitFor(() => !listedByLeader(), {
          timeoutMs: 10_000,
          what: 'the leader to see it gone',
        });
        preferred.backend.setEligible(true);
        const backAt = performance.now();
        const leader = await oneLeader(members, `${preferred.id} to take over`, first);
        const waitedMs = performance.now() - backAt;
        assert.equal(leader, preferred, 'the member of higher priority leads');
        assert.ok(waitedMs >= windowMs, `not before the window: after ${waitedMs} ms`);
        assert.ok(tokenOf(leader) > token, 'a higher fencing token');
        assert.equal(hasLed(second), false, 'the one of equal priority was never handed to');
        const status = leader.backend.members().find((entry) => entry.id === preferred.id);
        assert.equal(status?.priority, 5, 'members() shows its priority');
        assert.equal(status.rank, 0, 'and rank 0 for the leader');
        assertTokensNeverDecrease(members);
      },
    },
    {
      name: 'equal, lower and 0 priorities never preempt; the highest does',
      isPriorityOnly: true,
      async run({ created }) {
        const members = await created(4, {
          rereadIntervalMs: 100,
          priorities: [1, 0, 1, 2],
          priorityHandoverDelayMs: 0,
        });
        const [leader, lower, equal, higher] = members;
        assert.ok(leader && lower && equal && higher);
        for (const member of [leader, lower, equal]) await member.start();
        assert.equal(await oneLeader([leader, lower, equal], 'the first leads'), leader);
        // With a window of 0 the leader has judged both as soon as it lists them.
        await waitFor(
          () =>
            leader.backend
              .members()
              .filter((status) => status.id === lower.id || status.id === equal.id)
              .every((status) => typeof status.priority === 'number') &&
            leader.backend.members().length === 3,
          { timeoutMs: 10_000, what: 'the leader to list both with their priorities' },
        );
        await higher.start();
        assert.equal(await oneLeader(members, 'the highest to lead', leader), higher);
        assert.equal(hasLed(lower), false, 'priority 0 never led');
        assert.equal(hasLed(equal), false, 'equal priority never led');
        const ranks = higher.backend.members().map((status) => [status.id, status.rank]);
        assert.deepEqual(ranks[0], [higher.id, 0], 'the leader has rank 0');
        assertTokensNeverDecrease(members);
      },
    },
  ];
}

export const contractChecks: readonly ContractCheck[] = [
  {
    name: 'before start, a member neither leads nor is ready; a second start is refused',
    async run({ created }) {
      const [member] = await created(1);
      assert.ok(member);
      const state = member.backend.current();
      assert.equal(state.isSelf, false);
      assert.equal(state.leaseExpiresAt, null);
      assert.equal(state.role, 'not-started');
      assert.equal(member.backend.isReady(), false);
      await member.start();
      await assert.rejects(member.start(), (error: unknown) => error instanceof ElectorError);
    },
  },
  {
    name: 'exactly one of three members acts, every member names it, with one fencing token',
    async run({ backend, started }) {
      const members = await started(3);
      const leader = await oneLeader(members, 'one leader of three');
      if (backend.isQueue) assert.equal(leader, members[0], 'the first to join leads');
      const tokens = new Set(members.map(tokenOf));
      assert.equal(tokens.size, 1, `one fencing token: ${describeMembers(members)}`);
      assert.ok(tokenOf(leader) > 0n, 'the token is positive');
      assert.notEqual(
        leader.backend.current().leaseExpiresAt,
        null,
        'the leader reports its lease',
      );
      const address = leader.backend.current().leaderAddress;
      assert.notEqual(address, null, 'the leader knows its own address');
      for (const member of members) {
        assert.equal(member.backend.current().leaderAddress, address, `${member.id} can reach it`);
        if (member !== leader)
          assert.equal(
            member.backend.current().leaseExpiresAt,
            null,
            `${member.id} holds no lease`,
          );
      }
      await waitFor(() => members.every((member) => member.backend.isReady()), {
        timeoutMs: 10_000,
        what: 'every member ready',
      });
    },
  },
  {
    name: 'a resigning leader stops acting before resign resolves, and another leads with a higher token',
    async run({ backend, started }) {
      const members = await started(3);
      const first = await oneLeader(members, 'a first leader');
      const firstToken = tokenOf(first);
      await first.backend.resign(AbortSignal.timeout(10_000));
      assert.equal(first.backend.current().isSelf, false, 'not acting once resign resolved');
      const next = await oneLeader(members, 'a leader after the resignation', first);
      if (backend.isQueue) assert.equal(next, members[1], 'the next in the queue took over');
      assert.ok(tokenOf(next) > firstToken, 'a higher fencing token');
      assertTokensNeverDecrease(members);
    },
  },
  {
    name: 'resign to a named member hands over to exactly it, with a higher token',
    isNamedHandoverOnly: true,
    async run({ started }) {
      const members = await started(3);
      const first = await oneLeader(members, 'a first leader');
      const firstToken = tokenOf(first);
      // The last to join: on a queue backend the next in line would be another member.
      const target = members.filter((member) => member !== first).at(-1);
      assert.ok(target);
      await first.backend.resign(AbortSignal.timeout(10_000), target.id);
      assert.equal(first.backend.current().isSelf, false, 'not acting once resign resolved');
      const next = await oneLeader(members, `${target.id} to lead after the handover`, first);
      assert.equal(next.id, target.id, 'the named member leads');
      assert.ok(tokenOf(next) > firstToken, 'a higher fencing token');
      assertTokensNeverDecrease(members);
    },
  },
  {
    name: 'resign to an unknown, ineligible or the leader itself is refused and the leader keeps leading',
    async run({ started }) {
      const members = await started(3);
      const leader = await oneLeader(members, 'a leader');
      const token = tokenOf(leader);
      const follower = members.find((member) => member !== leader);
      assert.ok(follower);
      follower.backend.setEligible(false);
      await waitFor(
        () =>
          follower.backend.current().role === 'withdrawn' &&
          leader.backend
            .members()
            .every((status) => status.id !== follower.id || status.role === 'withdrawn'),
        {
          timeoutMs: 10_000,
          what: `${follower.id} withdrawn, as the leader sees it if it lists it`,
        },
      );
      for (const to of ['no-such-member', follower.id, leader.id]) {
        await assert.rejects(
          leader.backend.resign(AbortSignal.timeout(10_000), to),
          (error: unknown) => error instanceof ElectorError && error.code === 'TRANSFER_FAILED',
          `a handover to ${to} is refused with TRANSFER_FAILED`,
        );
        assert.equal(leader.backend.current().isSelf, true, `the leader still acts after "${to}"`);
        assert.equal(tokenOf(leader), token, `with the same token after "${to}"`);
      }
      assert.equal(await oneLeader(members, 'the same leader, named by all'), leader);
      assert.equal(tokenOf(leader), token, 'its token unchanged');
    },
  },
  {
    name: 'resign is a no-op on a follower',
    async run({ started }) {
      const members = await started(3);
      const leader = await oneLeader(members, 'a leader');
      const token = tokenOf(leader);
      const follower = members.find((member) => member !== leader);
      assert.ok(follower);
      await follower.backend.resign(AbortSignal.timeout(10_000));
      assert.equal(leader.backend.current().isSelf, true, 'the leader still acts');
      assert.equal(tokenOf(leader), token, 'with the same token');
    },
  },
  {
    name: 'an ineligible leader stops acting and another leads; eligible again, it can lead again',
    async run({ started }) {
      const members = await started(3);
      const first = await oneLeader(members, 'a first leader');
      first.backend.setEligible(false);
      await waitFor(() => !first.backend.current().isSelf, {
        timeoutMs: 10_000,
        what: 'the withdrawn leader to stop acting',
      });
      const second = await oneLeader(members, 'a leader other than the withdrawn one', first);
      first.backend.setEligible(true);
      for (const member of members) if (member !== first) member.backend.setEligible(false);
      const third = await oneLeader(members, 'the member eligible again to lead', second);
      assert.equal(third, first);
      assertTokensNeverDecrease(members);
    },
  },
  {
    name: 'an ineligible member reports itself withdrawn and still names the leader; eligible again, a follower',
    async run({ started }) {
      const members = await started(3);
      const first = await oneLeader(members, 'a first leader');
      first.backend.setEligible(false);
      const second = await oneLeader(members, 'a leader other than the withdrawn one', first);
      assert.equal(
        first.backend.current().role,
        'withdrawn',
        `${first.id} says why it does not run`,
      );
      assert.equal(first.backend.current().leader, second.id, `${first.id} still follows`);
      first.backend.setEligible(true);
      await waitFor(() => first.backend.current().role === 'follower', {
        timeoutMs: 10_000,
        what: `${first.id} to follow again once eligible`,
      });
    },
  },
  {
    name: 'a leader that stops is succeeded with a higher token, and stopped() resolves',
    async run({ backend, started }) {
      const members = await started(3);
      const first = await oneLeader(members, 'a first leader');
      const firstToken = tokenOf(first);
      await first.stop();
      assert.equal(first.backend.current().isSelf, false, 'a stopped member does not act');
      assert.equal(first.backend.current().role, 'stopped');
      const rest = members.filter((member) => member !== first);
      const next = await oneLeader(rest, 'a successor', first, backend.failoverBoundMs);
      assert.ok(tokenOf(next) > firstToken, 'a higher fencing token');
      assertTokensNeverDecrease(members);
    },
  },
  {
    name: 'members() on every member names the one leader with its address, and the member itself',
    async run({ backend, started }) {
      const members = await started(3);
      const leader = await oneLeader(members, 'a leader');
      const address = leader.backend.current().leaderAddress;
      const everyId = members.map((member) => member.id).sort();
      for (const member of members) {
        const listed = await waitFor(
          () => {
            const list = member.backend.members();
            const ids = list.map((status) => status.id).sort();
            const isComplete = backend.listsEveryMember
              ? ids.join() === everyId.join()
              : ids.includes(member.id) && ids.includes(leader.id);
            return isComplete ? list : undefined;
          },
          {
            timeoutMs: 10_000,
            what: `${member.id} to list ${backend.listsEveryMember ? 'every member' : 'itself and the leader'}`,
          },
        );
        const leaders = listed.filter((status) => status.role === 'leader');
        assert.deepEqual(
          leaders.map((status) => [status.id, status.address]),
          [[leader.id, address]],
          `${member.id} lists one leader, with its address`,
        );
        const self = listed.find((status) => status.id === member.id);
        assert.equal(self?.role, member.backend.current().role, `${member.id} lists its own role`);
        assert.ok(
          listed.every((status) => status.address !== null && status.isReachable),
          `${member.id} reaches everyone it lists: ${JSON.stringify(listed, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`,
        );
      }
    },
  },
  {
    name: 'when the leader goes, only its successor is woken to campaign (no herd), by a stop or a resign',
    isQueueOnly: true,
    async run({ started }) {
      const members = await started(5);
      const first = await oneLeader(members, 'a first leader');
      const wakeups = (member: ContractMember): number =>
        member.events.filter((event) => event.type === 'watch-event').length;
      const wokenBy = async (
        leaving: ContractMember,
        leave: () => Promise<void>,
        rest: readonly ContractMember[],
      ): Promise<string[]> => {
        const before = new Map(rest.map((member) => [member, wakeups(member)]));
        await leave();
        await oneLeader(rest, `a successor to ${leaving.id}`, leaving);
        return rest
          .filter((member) => wakeups(member) > (before.get(member) ?? 0))
          .map((member) => member.id);
      };
      const rest = members.filter((member) => member !== first);
      assert.deepEqual(
        await wokenBy(first, () => first.stop(), rest),
        [members[1]?.id],
        'a stop woke only the next in the queue',
      );
      const second = members[1];
      assert.ok(second);
      assert.deepEqual(
        await wokenBy(second, () => second.backend.resign(AbortSignal.timeout(10_000)), rest),
        [members[2]?.id],
        'a resign woke only the next in the queue',
      );
    },
  },
  {
    name: 'those behind the successor learn the new leader from a watch, not from a periodic re-read',
    isQueueOnly: true,
    async run({ backend, started }) {
      // A re-read far beyond every wait below: only a watch can tell them in time.
      const members = await started(4, { rereadIntervalMs: 600_000 });
      const first = await oneLeader(members, 'a first leader');
      assert.equal(first, members[0]);
      const rest = members.slice(1);
      const behind = members.slice(2);
      await waitFor(() => behind.every((member) => backend.isWatchingLeader?.(member) === true), {
        timeoutMs: 10_000,
        what: 'the members behind the successor to watch the leader',
      });
      const count = (member: ContractMember, type: string): number =>
        member.events.filter((event) => event.type === type).length;
      const tally = (): number[][] =>
        rest.map((member) => [count(member, 'watch-event'), count(member, 'leader-watch-event')]);
      const before = tally();
      await first.stop();
      await oneLeader(rest, 'all three to agree on the successor', first, 10_000);
      const after = tally().map((pair, index) =>
        pair.map((value, kind) => value - (before[index]?.[kind] ?? 0)),
      );
      assert.deepEqual(
        after,
        [
          [1, 0],
          [0, 1],
          [0, 1],
        ],
        'the successor was woken to campaign; those behind it only heard the leader go',
      );
    },
  },
  {
    name: 'a member that resigned or withdrew queues again behind those already waiting',
    isQueueOnly: true,
    async run({ started }) {
      const [first, second, third] = await started(3);
      assert.ok(first && second && third);
      const members = [first, second, third];
      await oneLeader(members, 'the first to join leads');
      await first.backend.resign(AbortSignal.timeout(10_000));
      assert.equal(await oneLeader(members, 'the second leads', first), second);
      await waitFor(() => first.backend.current().role === 'follower', {
        timeoutMs: 10_000,
        what: `${first.id} to queue again after its resign`,
      });
      second.backend.setEligible(false);
      assert.equal(
        await oneLeader(members, 'the third leads, ahead of the one that resigned', second),
        third,
      );
      second.backend.setEligible(true);
      await waitFor(() => second.backend.current().role === 'follower', {
        timeoutMs: 10_000,
        what: `${second.id} to queue again once eligible`,
      });
      await third.backend.resign(AbortSignal.timeout(10_000));
      assert.equal(
        await oneLeader(
          members,
          'the one that resigned first leads, ahead of the withdrawn one',
          third,
        ),
        first,
      );
    },
  },
  ...priorityChecks(),
];

/**
 * Runs one check on `backend`, stopping every member it made afterwards; `wrap` breaks each
 * member on purpose (the suite's own mutation tests).
 */
export async function runCheck(
  check: ContractCheck,
  backend: BackendUnderTest,
  wrap?: BackendWrapper,
): Promise<void> {
  const made: ContractMember[] = [];
  const created = async (count: number, tuning?: ElectionTuning): Promise<ContractMember[]> => {
    const members = await backend.election(count, wrap, tuning);
    made.push(...members);
    return members;
  };
  try {
    await check.run({
      backend,
      created,
      started: async (count, tuning) => {
        const members = await created(count, tuning);
        for (const member of members) await member.start();
        return members;
      },
    });
  } finally {
    await Promise.all(made.map((member) => member.stop()));
  }
}
