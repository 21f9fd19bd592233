// The contract every election backend keeps, as data: each check runs on a fresh election of one
// backend. contract.test.ts runs every check over raft, etcd, zookeeper and kubernetes (as
// hashicorp/raft runs one transport suite over every transport); contract-mutations.test.ts shows
// that the checks fail on backends broken on purpose.
import assert from 'node:assert/strict';
import { ElectorError } from '../../../src/core/errors.js';
import { waitFor } from '../../../lab/wait-for.js';
import type { BackendUnderTest, BackendWrapper, ContractMember } from './backends.js';

/** What a check gets: its backend, and fresh elections on it that are stopped afterwards. */
interface ContractRun {
  readonly backend: BackendUnderTest;
  /** A fresh election whose members started one after another (their queue order). */
  readonly started: (count: number) => Promise<ContractMember[]>;
  /** A fresh election, not started; its members are stopped after the check too. */
  readonly created: (count: number) => Promise<ContractMember[]>;
}

export interface ContractCheck {
  readonly name: string;
  /** Only for backends whose candidates queue (etcd, ZooKeeper). */
  readonly isQueueOnly?: boolean;
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
    name: 'when the leader goes, only its successor is woken to campaign (no herd)',
    isQueueOnly: true,
    async run({ started }) {
      const members = await started(5);
      const first = await oneLeader(members, 'a first leader');
      const wakeups = (member: ContractMember): number =>
        member.events.filter((event) => event.type === 'watch-event').length;
      const before = new Map(members.map((member) => [member, wakeups(member)]));
      await first.stop();
      const rest = members.filter((member) => member !== first);
      await oneLeader(rest, 'a successor', first);
      const woken = rest.filter((member) => wakeups(member) > (before.get(member) ?? 0));
      assert.deepEqual(
        woken.map((member) => member.id),
        [members[1]?.id],
        'only the next in the queue was woken',
      );
    },
  },
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
  const created = async (count: number): Promise<ContractMember[]> => {
    const members = await backend.election(count, wrap);
    made.push(...members);
    return members;
  };
  try {
    await check.run({
      backend,
      created,
      started: async (count) => {
        const members = await created(count);
        for (const member of members) await member.start();
        return members;
      },
    });
  } finally {
    await Promise.all(made.map((member) => member.stop()));
  }
}
