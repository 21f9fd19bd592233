// The Lease backend in one process: contested takeovers under many rapid attempts never give
// two acting members, and a leader that cannot renew stops acting before anyone takes over.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { createLeaseBackend } from '../../../src/backends/kubernetes/lease-backend.js';
import type { KubernetesApi } from '../../../src/kubernetes/api-client.js';
import { toKubernetesError } from '../../../src/kubernetes/api-errors.js';
import { ElectorError } from '../../../src/core/errors.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { JsonObject } from '../../../lab/kube-apiserver/index.js';
import { actingDeadlineAfter } from '../../../lab/acting-deadline.js';
import { waitFor } from '../../../lab/wait-for.js';
import { memoryLogger, startHarness, type Harness } from './harness.js';

interface Member {
  readonly id: string;
  readonly backend: ElectionBackend;
  readonly controller: AbortController;
  /** While true, this member's API calls fail as if its node were cut off from the apiserver. */
  isPartitioned: boolean;
}

function partitionable(api: KubernetesApi, member: () => Member | undefined): KubernetesApi {
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
      member()?.isPartitioned === true
        ? refuse(operation)
        : api.request(operation, request, signal),
    stream: (operation, request, signal, onLine) =>
      member()?.isPartitioned === true
        ? refuse(operation)
        : api.stream(operation, request, signal, onLine),
  };
}

describe('the Lease backend', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.close();
  });

  async function startMembers(
    count: number,
    leaseName: string,
    timings: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number },
    beforeStart: (members: readonly Member[]) => void = () => undefined,
  ): Promise<Member[]> {
    const members: Member[] = [];
    for (let index = 0; index < count; index += 1) {
      const id = `member-${index}`;
      const backend = createLeaseBackend({
        memberId: id,
        address: `127.0.0.1:${9000 + index}`,
        api: partitionable(await harness.api({ requestTimeoutMs: 1000 }), () =>
          members.find((member) => member.id === id),
        ),
        namespace: 'default',
        leaseName,
        ...timings,
        clock: systemClock,
        random: Math.random,
        observe: () => undefined,
        logger: memoryLogger().logger,
      });
      members.push({ id, backend, controller: new AbortController(), isPartitioned: false });
    }
    beforeStart(members);
    await Promise.all(members.map((member) => member.backend.start(member.controller.signal)));
    return members;
  }

  async function stopMembers(members: readonly Member[]): Promise<void> {
    for (const member of members) member.controller.abort();
    await Promise.all(members.map((member) => member.backend.stopped()));
  }

  test('many rapid contested takeovers never give two acting members, and tokens only grow', async (t) => {
    const violations: string[] = [];
    const leaders: { id: string; token: bigint }[] = [];
    let members: readonly Member[] = [];
    const check = (): void => {
      const acting = members.filter((member) => member.backend.current().isSelf);
      if (acting.length > 1) violations.push(acting.map((member) => member.id).join(' and '));
    };
    members = await startMembers(
      5,
      'contested',
      { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 50 },
      (created) => {
        members = created;
        for (const member of created) {
          member.backend.onChange((state: ElectionState) => {
            check();
            if (state.isSelf) leaders.push({ id: member.id, token: state.fencingToken });
          });
        }
      },
    );
    const sampler = setInterval(check, 1);
    try {
      for (let round = 0; round < 40; round += 1) {
        const leader = await waitFor(
          () => members.find((member) => member.backend.current().isSelf),
          {
            timeoutMs: 5000,
            what: `a leader in round ${round}`,
          },
        );
        // Resigning hands the Lease to the other four at once: they all race for it.
        await leader.backend.resign(AbortSignal.timeout(2000));
      }
    } finally {
      clearInterval(sampler);
      await stopMembers(members);
    }
    assert.deepEqual(violations, []);
    assert.ok(leaders.length >= 40, `${leaders.length} terms`);
    for (let index = 1; index < leaders.length; index += 1) {
      const previous = leaders[index - 1];
      const current = leaders[index];
      assert.ok(previous !== undefined && current !== undefined);
      assert.ok(current.token > previous.token, `token ${current.token} after ${previous.token}`);
    }
    const writes = harness.server
      .requests()
      .filter(
        (request) => request.path.includes('/leases') && ['PUT', 'POST'].includes(request.method),
      );
    const conflicts = writes.filter((request) => request.status === 409).length;
    t.diagnostic(
      `${leaders.length} terms, ${writes.length} Lease writes, ${conflicts} answered 409`,
    );
    assert.ok(conflicts > 0, 'the race produced conflicts, and they were handled');
    const lease = harness.server.get('leases.coordination.k8s.io', 'default', 'contested');
    assert.equal((lease?.spec as JsonObject).holderIdentity, undefined, 'released on stop');
    assert.equal((lease?.spec as JsonObject).leaseTransitions, Number(leaders.at(-1)?.token));
  });

  test('a leader cut off from the API stops acting at its renew deadline, before a follower takes over', async (t) => {
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const members = await startMembers(2, 'partitioned', timings);
    try {
      const leader = await waitFor(
        () => members.find((member) => member.backend.current().isSelf),
        {
          timeoutMs: 5000,
          what: 'a leader',
        },
      );
      const follower = members.find((member) => member !== leader);
      assert.ok(follower !== undefined);
      await waitFor(() => follower.backend.current().leader === leader.id, {
        timeoutMs: 5000,
        what: 'the follower to know the leader',
      });
      // Acting is bounded by the leader's own deadline (current() stops reporting isSelf there,
      // whatever its timers do); the onChange that reports it comes from a timer and may trail it.
      let actingUntil = 0;
      let reportedStopAt = 0;
      let takenAt = 0;
      leader.backend.onChange((state) => {
        if (!state.isSelf && reportedStopAt === 0) reportedStopAt = systemClock.now();
      });
      follower.backend.onChange((state) => {
        if (state.isSelf && takenAt === 0) takenAt = systemClock.now();
      });
      const cutAt = systemClock.now();
      leader.isPartitioned = true;
      await waitFor(
        () => {
          actingUntil = actingDeadlineAfter(actingUntil, leader.backend.current());
          return takenAt > 0 && reportedStopAt > 0;
        },
        {
          timeoutMs: 5000,
          what: 'the leader to report its step-down and the follower to take over',
        },
      );
      t.diagnostic(
        `leader cut off at 0 ms: its acting deadline was ${Math.round(actingUntil - cutAt)} ms (reported at ${Math.round(reportedStopAt - cutAt)} ms), the follower took over at ${Math.round(takenAt - cutAt)} ms`,
      );
      // The last renewal that succeeded was sent before the cut, and its deadline is renewDeadline
      // after it was sent; the follower may take over only leaseDuration after it saw that renewal.
      assert.ok(actingUntil > cutAt, 'the leader was seen acting after the cut');
      assert.ok(actingUntil - cutAt <= timings.renewDeadlineMs, 'stopped by its renew deadline');
      assert.ok(
        takenAt - actingUntil >= timings.leaseDurationMs - timings.renewDeadlineMs,
        `the margin held: ${Math.round(takenAt - actingUntil)} ms`,
      );
      leader.isPartitioned = false;
      await waitFor(() => leader.backend.current().leader === follower.id, {
        timeoutMs: 5000,
        what: 'the old leader to follow the new one once reconnected',
      });
      assert.equal(leader.backend.current().isSelf, false);
      assert.ok(follower.backend.current().fencingToken > 1n);
    } finally {
      await stopMembers(members);
    }
  });
  test('a named target cut off right after it accepted never acts; the Lease expires and another member leads', async () => {
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const members = await startMembers(3, 'handover-dead-target', timings);
    const violations: string[] = [];
    const check = (): void => {
      const acting = members.filter((member) => member.backend.current().isSelf);
      if (acting.length > 1) violations.push(acting.map((member) => member.id).join(' and '));
    };
    const sampler = setInterval(check, 1);
    try {
      const leader = await waitFor(
        () => members.find((member) => member.backend.current().isSelf),
        { timeoutMs: 5000, what: 'a leader' },
      );
      await waitFor(
        () => members.every((member) => member.backend.current().leader === leader.id),
        {
          timeoutMs: 5000,
          what: 'every member to know the leader',
        },
      );
      const handoverToken = leader.backend.current().fencingToken + 1n;
      const [target] = members.filter((member) => member !== leader);
      assert.ok(target);
      let hasTargetActed = false;
      target.backend.onChange((state) => {
        if (state.isSelf) hasTargetActed = true;
      });
      // The leader stops acting only once the target has accepted, and before it writes the
      // target in: cutting the target off then leaves a Lease that names it and that it can
      // never renew, as if it had died right after accepting.
      leader.backend.onChange((state) => {
        if (!state.isSelf) target.isPartitioned = true;
      });
      await leader.backend.resign(AbortSignal.timeout(10_000), target.id);
      assert.equal(target.isPartitioned, true, 'the leader stopped acting before it resolved');
      const lease = harness.server.get(
        'leases.coordination.k8s.io',
        'default',
        'handover-dead-target',
      );
      assert.equal((lease?.spec as JsonObject).holderIdentity, target.id, 'the Lease names it');
      assert.equal((lease?.spec as JsonObject).leaseTransitions, Number(handoverToken));
      const next = await waitFor(
        () => members.find((member) => member !== target && member.backend.current().isSelf),
        { timeoutMs: 10_000, what: 'another member to take the expired Lease' },
      );
      assert.ok(next.backend.current().fencingToken > handoverToken, 'a higher fencing token');
      assert.equal(hasTargetActed, false, 'the cut-off target never acted');
      assert.deepEqual(violations, []);
    } finally {
      clearInterval(sampler);
      await stopMembers(members);
    }
  });
  test('a handover whose caller gives up before the target accepts is called off; the leader keeps leading', async () => {
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const members = await startMembers(2, 'handover-called-off', timings);
    try {
      const leader = await waitFor(
        () => members.find((member) => member.backend.current().isSelf),
        { timeoutMs: 5000, what: 'a leader' },
      );
      const token = leader.backend.current().fencingToken;
      // 100 ms, well before the two retry periods (400 ms) the target would have to accept.
      await assert.rejects(
        leader.backend.resign(AbortSignal.timeout(100), 'no-such-member'),
        (error: unknown) =>
          error instanceof ElectorError &&
          error.code === 'TRANSFER_FAILED' &&
          error.message.includes('within the time given'),
      );
      assert.equal(leader.backend.current().isSelf, true, 'the leader still acts');
      assert.equal(leader.backend.current().fencingToken, token, 'with the same token');
      // Called off, not merely abandoned: a new request may start at once.
      await assert.rejects(
        leader.backend.resign(AbortSignal.timeout(5000), 'no-such-member'),
        (error: unknown) =>
          error instanceof ElectorError && /did not accept within 400 ms/.test(error.message),
      );
      assert.equal(leader.backend.current().isSelf, true, 'the leader still acts');
    } finally {
      await stopMembers(members);
    }
  });
});
