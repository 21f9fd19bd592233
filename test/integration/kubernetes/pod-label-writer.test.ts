// The pod label writer against the test apiserver: labels in step with leadership, coalescing
// under rapid changes, and recovery from refused, failing and hung API calls.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPodLabelWriter } from '../../../src/pod-labels/pod-label-writer.js';
import type { PodSyncEvent } from '../../../src/pod-labels/pod-sync-events.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { Clock } from '../../../src/core/clock.js';
import { waitFor, within } from '../../../lab/wait-for.js';
import { ManualClock } from '../../unit/manual-clock.js';
import {
  annotationsOf,
  createPod,
  following,
  labelsOf,
  leading,
  memoryLogger,
  recorder,
  startHarness,
  type Harness,
  runWriter,
  type RunningWriter,
} from './harness.js';

async function startWriter(
  harness: Harness,
  podName: string,
  extra: {
    readonly requestTimeoutMs?: number;
    readonly retryMaxDelayMs?: number;
    readonly clock?: Clock;
  } = {},
): Promise<RunningWriter> {
  const api = await harness.api(
    extra.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: extra.requestTimeoutMs },
  );
  return runWriter(api, podName, {
    ...(extra.retryMaxDelayMs === undefined ? {} : { retryMaxDelayMs: extra.retryMaxDelayMs }),
    ...(extra.clock === undefined ? {} : { clock: extra.clock }),
  });
}

function podPatches(harness: Harness, podName: string): number {
  return harness.server
    .requests()
    .filter((request) => request.method === 'PATCH' && request.path.endsWith(`/pods/${podName}`))
    .length;
}

describe('the pod label writer', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.close();
  });

  test('a starting member labels itself follower, then leader with its token, then follower', async () => {
    createPod(harness.server, 'web-0', { 'elector.io/role': 'leader' });
    const { writer, stop } = await startWriter(harness, 'web-0');
    try {
      await waitFor(() => labelsOf(harness.server, 'web-0')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the leader label left from an earlier life to be replaced by follower',
      });
      writer.update(leading(3n));
      await waitFor(
        () =>
          labelsOf(harness.server, 'web-0')['elector.io/role'] === 'leader' &&
          annotationsOf(harness.server, 'web-0')['elector.io/fencing-token'] === '3',
        { timeoutMs: 5000, what: 'the leader label with fencing token 3' },
      );
      writer.update(following(3n));
      await waitFor(() => labelsOf(harness.server, 'web-0')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the follower label after stepping down',
      });
      assert.equal(labelsOf(harness.server, 'web-0')['elector.io/election'], 'orders');
      const patches = harness.server
        .requests()
        .filter((request) => request.method === 'PATCH' && request.path.endsWith('/pods/web-0'));
      assert.ok(patches.every((request) => request.contentType === 'application/merge-patch+json'));
    } finally {
      await stop();
    }
  });

  test('under rapid changes it converges to the latest state without a backlog of stale writes', async (t) => {
    createPod(harness.server, 'web-1');
    const { writer, stop } = await startWriter(harness, 'web-1');
    try {
      await waitFor(() => labelsOf(harness.server, 'web-1')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the initial follower label',
      });
      // 500 changes in one go: only the last one may reach the API.
      const before = podPatches(harness, 'web-1');
      for (let index = 1; index <= 500; index += 1) {
        writer.update(index % 2 === 0 ? following(BigInt(index)) : leading(BigInt(index)));
      }
      writer.update(leading(501n));
      await waitFor(() => writer.status().isConverged && writer.status().desiredRole === 'leader', {
        timeoutMs: 5000,
        what: 'the writer to converge',
      });
      assert.equal(annotationsOf(harness.server, 'web-1')['elector.io/fencing-token'], '501');
      assert.equal(podPatches(harness, 'web-1') - before, 1, 'one write for 501 changes');

      // Changes that arrive while writes are slow and in flight.
      harness.server.delayResponses(15);
      const inFlight = podPatches(harness, 'web-1');
      let settledWithoutWrite = 0;
      for (let index = 502; index < 522; index += 1) {
        writer.update(index % 2 === 0 ? following(BigInt(index)) : leading(BigInt(index)));
        const seen = harness.server.requests().length;
        // Not every change gets a write of its own: a change that arrives before the writer has
        // taken in the answer to its last write is coalesced with the next one, and "leader"
        // between two "follower"s leaves nothing to write (the follower label has no token).
        // So wait for a write, or for the writer to settle with the API already showing its role.
        const outcome = await waitFor(
          () =>
            harness.server.requests().length > seen
              ? 'written'
              : writer.status().isConverged
                ? 'settled'
                : undefined,
          { timeoutMs: 5000, what: 'the writer to send something or settle' },
        );
        if (outcome === 'settled') {
          settledWithoutWrite += 1;
          assert.equal(
            labelsOf(harness.server, 'web-1')['elector.io/role'],
            writer.status().desiredRole,
            'settled without a write only because the API already shows the role',
          );
        }
      }
      t.diagnostic(`changes coalesced away while a write was in flight: ${settledWithoutWrite}`);
      const beforeLast = podPatches(harness, 'web-1');
      writer.update(leading(999n));
      await waitFor(
        () =>
          writer.status().isConverged &&
          annotationsOf(harness.server, 'web-1')['elector.io/fencing-token'] === '999',
        { timeoutMs: 5000, what: 'the latest state (leader, token 999) in the API' },
      );
      assert.equal(labelsOf(harness.server, 'web-1')['elector.io/role'], 'leader');
      const afterLast = podPatches(harness, 'web-1') - beforeLast;
      t.diagnostic(
        `20 slow changes cost ${beforeLast - inFlight} pod writes; the last one ${afterLast}`,
      );
      assert.ok(afterLast <= 2, `at most the write in flight and the latest; got ${afterLast}`);
    } finally {
      harness.server.clearFaults();
      await stop();
    }
  });

  test('refused, failing and hung API calls are counted and retried until the latest state is written', async () => {
    createPod(harness.server, 'web-2');
    const { writer, events, lines, stop } = await startWriter(harness, 'web-2', {
      requestTimeoutMs: 200,
    });
    try {
      await waitFor(() => labelsOf(harness.server, 'web-2')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the initial follower label',
      });
      const failures = (reason: string): number =>
        events.filter(
          (event) =>
            event.type === 'pod-write' && event.result === 'failed' && event.reason === reason,
        ).length;

      await harness.server.refuseConnections();
      writer.update(leading(4n));
      await waitFor(() => failures('NetworkError') >= 3, {
        timeoutMs: 5000,
        what: 'three refused attempts',
      });
      assert.equal(writer.status().isConverged, false);
      await harness.server.acceptConnections();
      await waitFor(() => labelsOf(harness.server, 'web-2')['elector.io/role'] === 'leader', {
        timeoutMs: 5000,
        what: 'the leader label once connections are accepted again',
      });

      harness.server.failNext(3, 500, { pathIncludes: '/pods/web-2' });
      writer.update(following(4n));
      await waitFor(() => labelsOf(harness.server, 'web-2')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the follower label after three 500 answers',
      });
      assert.equal(failures('InternalError'), 3);

      harness.server.delayResponses(400);
      writer.update(leading(5n));
      await waitFor(() => failures('Timeout') >= 2, {
        timeoutMs: 5000,
        what: 'two timed-out attempts',
      });
      harness.server.delayResponses(0);
      await waitFor(
        () =>
          writer.status().isConverged &&
          annotationsOf(harness.server, 'web-2')['elector.io/fencing-token'] === '5',
        { timeoutMs: 5000, what: 'the leader label with token 5 once the API answers in time' },
      );
      const warnings = lines().filter((line) => line.event === 'kubernetes.request.failed');
      assert.ok(warnings.some((line) => line.reason === 'NetworkError' && line.level === 40));
      assert.ok(
        warnings.filter((line) => line.reason === 'NetworkError').length < failures('NetworkError'),
        'repeated failures are rate-limited in the log',
      );
    } finally {
      harness.server.clearFaults();
      await stop();
    }
  });

  test('aborting the writer during a backoff ends it at once, even with the API down', async () => {
    createPod(harness.server, 'web-3');
    // On a clock that never moves, a backoff never ends by itself: only the abort can end it.
    const clock = new ManualClock();
    const { writer, events, stop } = await startWriter(harness, 'web-3', {
      retryMaxDelayMs: 60_000,
      clock,
    });
    await waitFor(() => labelsOf(harness.server, 'web-3')['elector.io/role'] === 'follower', {
      timeoutMs: 5000,
      what: 'the initial follower label',
    });
    await harness.server.refuseConnections();
    try {
      writer.update(leading(1n));
      await waitFor(
        () =>
          events.some((event) => event.type === 'pod-write' && event.result === 'failed') &&
          clock.pendingDueTimes().length > 0,
        { timeoutMs: 10_000, what: 'a failed write and the backoff after it' },
      );
      await within(stop(), 10_000, 'run() to end on abort, in the middle of its backoff');
    } finally {
      await harness.server.acceptConnections();
    }
  });

  test('a leader state whose lease has lapsed by the time of writing is never written as leader', async () => {
    createPod(harness.server, 'web-4');
    const { observe } = recorder<PodSyncEvent>();
    let isActing = true;
    const writer = createPodLabelWriter({
      api: await harness.api(),
      podName: 'web-4',
      namespace: 'default',
      electionName: 'orders',
      recordEvents: false,
      readLeadership: () => ({
        leader: null,
        fencingToken: 6n,
        isSelf: isActing,
        leaseExpiresAt: null,
      }),
      clock: systemClock,
      random: Math.random,
      observe,
      logger: memoryLogger().logger,
    });
    const controller = new AbortController();
    const running = writer.run(controller.signal);
    try {
      await waitFor(() => labelsOf(harness.server, 'web-4')['elector.io/role'] === 'follower', {
        timeoutMs: 5000,
        what: 'the initial follower label',
      });
      isActing = false;
      writer.update(leading(6n));
      await waitFor(() => writer.status().isConverged, {
        timeoutMs: 5000,
        what: 'the writer to settle',
      });
      assert.equal(writer.status().desiredRole, 'follower');
      assert.equal(labelsOf(harness.server, 'web-4')['elector.io/role'], 'follower');
      isActing = true;
      writer.update(leading(6n));
      await waitFor(() => labelsOf(harness.server, 'web-4')['elector.io/role'] === 'leader', {
        timeoutMs: 5000,
        what: 'the leader label once the lease is live',
      });
    } finally {
      controller.abort();
      await running;
    }
  });

  test('a pod that does not exist is a logged, counted error, not a crash', async () => {
    const { writer, events, lines, stop } = await startWriter(harness, 'no-such-pod');
    try {
      await waitFor(
        () => events.some((event) => event.type === 'pod-write' && event.reason === 'NotFound'),
        {
          timeoutMs: 5000,
          what: 'a NotFound failure',
        },
      );
      const logged = lines().find((line) => line.reason === 'NotFound');
      assert.equal(logged?.level, 50, 'logged at error: an operator must act');
      assert.match(String(logged.msg), /pods "no-such-pod" not found/);
      assert.match(writer.status().lastError ?? '', /not found/);
    } finally {
      await stop();
    }
  });
});
