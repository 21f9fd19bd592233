// Priority preemption on the Lease backend against the test apiserver (docs/handover.md,
// "Priority on the Lease"): a higher priority takes over only after its window, through the
// named handover, with a higher fencing token and never two acting; priority 0 and equal
// priorities never take over.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ElectionBackend } from '../../../src/backends/backend.js';
import { createLeaseBackend } from '../../../src/backends/kubernetes/lease-backend.js';
import type { KubernetesApi } from '../../../src/kubernetes/api-client.js';
import { toKubernetesError } from '../../../src/kubernetes/api-errors.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { JsonObject } from '../../../lab/kube-apiserver/index.js';
import { waitFor } from '../../../lab/wait-for.js';
import { memoryLogger, startHarness, type Harness } from './harness.js';

const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

interface Member {
  readonly id: string;
  readonly backend: ElectionBackend;
  readonly controller: AbortController;
  readonly lines: () => Record<string, unknown>[];
  /** Every fencing token it reported while acting, in order. */
  readonly actingTokens: bigint[];
  /** While true, its new API calls fail as if its node were cut off from the apiserver. */
  isPartitioned: boolean;
}

/** `api` whose new requests and watches fail while `isCutOff()` says so. */
function partitionable(api: KubernetesApi, isCutOff: () => boolean): KubernetesApi {
  const refuse = (operation: string): Promise<never> =>
    Promise.reject(
      toKubernetesError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        operation,
      ),
    );
  return {
    ...api,
    request: (operation, request, signal) =>
      isCutOff() ? refuse(operation) : api.request(operation, request, signal),
    stream: (operation, request, signal, onLine) =>
      isCutOff() ? refuse(operation) : api.stream(operation, request, signal, onLine),
  };
}

/** Watches a set of members: records every instant two of them act. */
class ActingCheck {
  readonly violations: string[] = [];
  private readonly members: Member[] = [];
  private readonly sampler = setInterval(() => {
    this.check();
  }, 1);

  add(member: Member): void {
    this.members.push(member);
    member.backend.onChange(() => {
      this.check();
    });
  }

  stop(): void {
    clearInterval(this.sampler);
  }

  private check(): void {
    const acting = this.members.filter((member) => member.backend.current().isSelf);
    if (acting.length > 1) this.violations.push(acting.map((member) => member.id).join(' and '));
  }
}

describe('priority on the Lease backend', () => {
  let harness: Harness;
  const running: Member[] = [];

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.close();
  });

  async function startMember(
    id: string,
    leaseName: string,
    priority: number,
    priorityHandoverDelayMs: number,
    check: ActingCheck,
  ): Promise<Member> {
    const { logger, lines } = memoryLogger();
    const api = partitionable(await harness.api({ requestTimeoutMs: 1000 }), () =>
      running.some((member) => member.id === id && member.isPartitioned),
    );
    const backend = createLeaseBackend({
      memberId: id,
      address: `127.0.0.1:${9100 + running.length}`,
      api,
      namespace: 'default',
      leaseName,
      ...timings,
      priority,
      priorityHandoverDelayMs,
      clock: systemClock,
      random: Math.random,
      observe: () => undefined,
      logger,
    });
    const member: Member = {
      id,
      backend,
      controller: new AbortController(),
      lines,
      actingTokens: [],
      isPartitioned: false,
    };
    backend.onChange((state) => {
      if (state.isSelf) member.actingTokens.push(state.fencingToken);
    });
    check.add(member);
    running.push(member);
    await backend.start(member.controller.signal);
    return member;
  }

  async function stopAll(): Promise<void> {
    const members = running.splice(0);
    for (const member of members) member.controller.abort();
    await Promise.all(members.map((member) => member.backend.stopped()));
  }

  function leaseOf(name: string): JsonObject | undefined {
    return harness.server.get('leases.coordination.k8s.io', 'default', name);
  }

  function annotationsOfLease(name: string): Record<string, unknown> {
    const metadata = leaseOf(name)?.metadata as JsonObject | undefined;
    return (metadata?.annotations as JsonObject | undefined) ?? {};
  }

  /** Successful writes to the Lease so far: renewals, mostly, so they count the holder's periods. */
  function leaseWrites(name: string): number {
    return harness.server
      .requests()
      .filter(
        (request) =>
          request.method === 'PUT' &&
          request.path.endsWith(`/leases/${name}`) &&
          request.status === 200,
      ).length;
  }

  /** Waits until the Lease has been written `count` more times (about `count` renewal periods). */
  async function renewalsPass(name: string, count: number): Promise<void> {
    const target = leaseWrites(name) + count;
    await waitFor(() => leaseWrites(name) >= target, {
      timeoutMs: count * timings.retryPeriodMs * 5,
      what: `${count} more writes to the Lease ${name}`,
    });
  }

  /** Waits until one of `members` acts (`expected`, if given) and every one names it. */
  function leaderOf(members: readonly Member[], what: string, expected?: Member): Promise<Member> {
    return waitFor(
      () => {
        const acting = members.filter((member) => member.backend.current().isSelf);
        const [leader] = acting;
        if (acting.length !== 1 || leader === undefined) return undefined;
        if (expected !== undefined && leader !== expected) return undefined;
        return members.every((member) => member.backend.current().leader === leader.id)
          ? leader
          : undefined;
      },
      { timeoutMs: 15_000, what },
    );
  }

  function events(member: Member, event: string): Record<string, unknown>[] {
    return member.lines().filter((line) => line.event === event);
  }

  test('a higher priority takes over only after its window, with a higher fencing token', async () => {
    const check = new ActingCheck();
    const windowMs = 2500;
    try {
      const low = await startMember('member-0', 'priority-window', 1, windowMs, check);
      await leaderOf([low], 'member-0 to lead alone');
      const lowToken = low.backend.current().fencingToken;
      const startedAtMs = Date.now();
      // An object: the compiler would keep `null` narrowed across the callback otherwise.
      const takeover: { atMs: number | null } = { atMs: null };
      const high = await startMember('member-1', 'priority-window', 9, windowMs, check);
      high.backend.onChange((state) => {
        if (state.isSelf) takeover.atMs ??= Date.now();
      });
      await leaderOf([low, high], 'member-1 to follow member-0');
      // The holder goes on renewing while member-1 waits out its window.
      await renewalsPass('priority-window', 3);
      const listed = high.backend.members();
      assert.deepEqual(
        listed.map(({ id, priority, rank }) => ({ id, priority, rank })),
        [
          { id: 'member-1', priority: 9, rank: null },
          { id: 'member-0', priority: 1, rank: 0 },
        ],
      );
      await leaderOf([low, high], 'member-1 to take over after its window', high);
      const tookOverAtMs = takeover.atMs;
      assert.ok(tookOverAtMs !== null);
      assert.ok(
        tookOverAtMs - startedAtMs >= windowMs,
        `took over ${tookOverAtMs - startedAtMs} ms after it started, window ${windowMs} ms`,
      );
      // Asked only after the window (a slow acceptance may be refused and asked again).
      const requests = events(high, 'lease.preemption.requested');
      assert.ok(requests.length >= 1);
      for (const line of requests) {
        const askedAfterMs = Number(line.time) - startedAtMs;
        assert.ok(askedAfterMs >= windowMs, `asked ${askedAfterMs} ms after it started`);
      }
      assert.ok(events(low, 'lease.preemption.started').length >= 1);
      assert.equal(events(low, 'lease.handed-over').length, 1);
      // The hand-off and the target's own acquisition each add one.
      assert.equal(high.backend.current().fencingToken, lowToken + 2n);
      assert.equal(annotationsOfLease('priority-window')['elector.io/holder-priority'], '9');
      assert.equal(
        annotationsOfLease('priority-window')['elector.io/preemption-request'],
        undefined,
      );
      // member-0 now waits a full window of its own, and it is lower anyway: no swing back.
      await renewalsPass('priority-window', 5);
      assert.equal(high.backend.current().isSelf, true);
      assert.deepEqual(high.backend.members()[0], {
        ...high.backend.members()[0],
        priority: 9,
        rank: 0,
      });
      assert.deepEqual(check.violations, []);
      assert.ok(low.actingTokens.every((token) => token < (high.actingTokens[0] ?? 0n)));
    } finally {
      check.stop();
      await stopAll();
    }
  });

  test('of several higher priorities the highest leads, and an equal one that comes later never swaps', async () => {
    const check = new ActingCheck();
    const windowMs = 500;
    try {
      const holder = await startMember('member-0', 'priority-several', 1, windowMs, check);
      await leaderOf([holder], 'member-0 to lead alone');
      // One after another: member-1's window ends first, then member-2's, then member-3's.
      // member-2 outranks member-1's request and overwrites it while the holder lets it settle
      // (or, were it slower, preempts member-1 in turn); member-3 never outranks member-2.
      const others: Member[] = [];
      for (const [id, priority] of [
        ['member-1', 5],
        ['member-2', 9],
        ['member-3', 9],
      ] as const) {
        others.push(await startMember(id, 'priority-several', priority, windowMs, check));
      }
      const members = [holder, ...others];
      const best = others.find((member) => member.id === 'member-2');
      assert.ok(best);
      await waitFor(() => best.backend.current().isSelf, {
        timeoutMs: 15_000,
        what: 'member-2 (priority 9, first of the tie) to lead',
      });
      const token = best.backend.current().fencingToken;
      await renewalsPass('priority-several', 8);
      assert.equal((await leaderOf(members, 'one leader')).id, 'member-2', 'it stays leader');
      assert.equal(best.backend.current().fencingToken, token, 'with the same token');
      assert.deepEqual(check.violations, []);
      const tokens = members
        .flatMap((member) => member.actingTokens)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.equal(new Set(tokens).size, tokens.length, 'every acting term has its own token');
    } finally {
      check.stop();
      await stopAll();
    }
  });

  test('a withdrawal restarts the window: the request comes a full window after eligibility returns', async () => {
    const check = new ActingCheck();
    const windowMs = 3000;
    try {
      const low = await startMember('member-0', 'priority-break', 1, windowMs, check);
      await leaderOf([low], 'member-0 to lead alone');
      const high = await startMember('member-1', 'priority-break', 9, windowMs, check);
      await leaderOf([low, high], 'member-1 to follow member-0');
      await renewalsPass('priority-break', 2);
      high.backend.setEligible(false);
      await renewalsPass('priority-break', 2);
      const eligibleAgainAtMs = Date.now();
      high.backend.setEligible(true);
      await leaderOf([low, high], 'member-1 to take over', high);
      const [request] = events(high, 'lease.preemption.requested');
      assert.ok(request !== undefined);
      const askedAfterMs = Number(request.time) - eligibleAgainAtMs;
      assert.ok(askedAfterMs >= windowMs, `asked ${askedAfterMs} ms after eligible again`);
      assert.deepEqual(check.violations, []);
    } finally {
      check.stop();
      await stopAll();
    }
  });

  test('a candidate cut off after asking: the holder keeps leading on its token and clears the request', async () => {
    const check = new ActingCheck();
    const windowMs = 300;
    try {
      const low = await startMember('member-0', 'priority-cut', 1, windowMs, check);
      await leaderOf([low], 'member-0 to lead alone');
      const token = low.backend.current().fencingToken;
      const high = await startMember('member-1', 'priority-cut', 9, windowMs, check);
      // The holder lets a request stand two retry periods before it asks the candidate, which
      // is cut off by then and so can never accept.
      await waitFor(
        () => annotationsOfLease('priority-cut')['elector.io/preemption-request'] !== undefined,
        { timeoutMs: 10_000, what: "member-1's request on the Lease" },
      );
      high.isPartitioned = true;
      await waitFor(() => events(low, 'lease.preemption.failed').length > 0, {
        timeoutMs: 10_000,
        what: 'the holder to give up the handover to member-1',
      });
      await waitFor(
        () => annotationsOfLease('priority-cut')['elector.io/preemption-request'] === undefined,
        { timeoutMs: 10_000, what: 'the refused request to be cleared' },
      );
      assert.equal(low.backend.current().isSelf, true, 'the holder never stopped acting');
      assert.equal(low.backend.current().fencingToken, token, 'with the same token');
      assert.equal(high.actingTokens.length, 0);
      // Back in touch, it asks again, and takes over.
      high.isPartitioned = false;
      await leaderOf([low, high], 'member-1 to take over once back', high);
      assert.ok(high.backend.current().fencingToken > token);
      assert.deepEqual(check.violations, []);
    } finally {
      check.stop();
      await stopAll();
    }
  });

  test('priority 0 never takes over, and an equal priority never swaps', async () => {
    const check = new ActingCheck();
    const windowMs = 200;
    try {
      const holder = await startMember('member-0', 'priority-none', 5, windowMs, check);
      await leaderOf([holder], 'member-0 to lead alone');
      const token = holder.backend.current().fencingToken;
      const equal = await startMember('member-1', 'priority-none', 5, windowMs, check);
      const zero = await startMember('member-2', 'priority-none', 0, windowMs, check);
      await leaderOf([holder, equal, zero], 'the others to follow member-0');
      // Ten renewal periods: far past both windows.
      await renewalsPass('priority-none', 10);
      assert.equal(holder.backend.current().isSelf, true);
      assert.equal(holder.backend.current().fencingToken, token);
      for (const member of [equal, zero]) {
        assert.deepEqual(events(member, 'lease.preemption.requested'), [], member.id);
      }
      assert.equal(annotationsOfLease('priority-none')['elector.io/preemption-request'], undefined);
      assert.equal(annotationsOfLease('priority-none')['elector.io/holder-priority'], '5');
      assert.deepEqual(check.violations, []);
    } finally {
      check.stop();
      await stopAll();
    }
  });

  test('a holder of priority 0 publishes none, and a follower reads it as 0', async () => {
    const check = new ActingCheck();
    try {
      const holder = await startMember('member-0', 'priority-zero-holder', 0, 10_000, check);
      await leaderOf([holder], 'member-0 to lead alone');
      const follower = await startMember('member-1', 'priority-zero-holder', 3, 10_000, check);
      await leaderOf([holder, follower], 'member-0 to lead');
      assert.equal(
        annotationsOfLease('priority-zero-holder')['elector.io/holder-priority'],
        undefined,
      );
      const leader = follower.backend.members().find((member) => member.id === 'member-0');
      assert.equal(leader?.priority, 0);
      assert.equal(leader.rank, 0);
    } finally {
      check.stop();
      await stopAll();
    }
  });
});
