// The readiness-gate condition (through pods/status) and the Events on the pod.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPodLabelWriter } from '../../../src/pod-labels/pod-label-writer.js';
import type { PodSyncEvent } from '../../../src/pod-labels/pod-sync-events.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import type { JsonObject } from '../../../lab/kube-apiserver/index.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  conditionOf,
  createPod,
  following,
  leading,
  memoryLogger,
  recorder,
  startHarness,
  type Harness,
} from './harness.js';

describe('readiness condition and Events', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.close();
  });

  test('the readiness-gate condition is True only while leading, and the kubelet’s conditions are kept', async () => {
    const { server } = harness;
    createPod(server, 'web-0');
    const { observe } = recorder<PodSyncEvent>();
    const writer = createPodLabelWriter({
      api: await harness.api(),
      podName: 'web-0',
      namespace: 'default',
      electionName: 'orders',
      readinessConditionType: 'elector.io/leader',
      recordEvents: false,
      clock: systemClock,
      random: Math.random,
      observe,
      logger: memoryLogger().logger,
    });
    const controller = new AbortController();
    const running = writer.run(controller.signal);
    try {
      await waitFor(() => conditionOf(server, 'web-0', 'elector.io/leader')?.status === 'False', {
        timeoutMs: 5000,
        what: 'the condition False at start',
      });
      writer.update(leading(2n));
      await waitFor(() => conditionOf(server, 'web-0', 'elector.io/leader')?.status === 'True', {
        timeoutMs: 5000,
        what: 'the condition True while leading',
      });
      const condition = conditionOf(server, 'web-0', 'elector.io/leader');
      assert.equal(condition?.reason, 'Leader');
      assert.match(JSON.stringify(condition.message), /fencing token 2/);
      assert.equal(typeof condition.lastTransitionTime, 'string');
      assert.equal(conditionOf(server, 'web-0', 'Ready')?.status, 'True', 'Ready is kept');
      writer.update(following(2n));
      await waitFor(() => conditionOf(server, 'web-0', 'elector.io/leader')?.status === 'False', {
        timeoutMs: 5000,
        what: 'the condition False after stepping down',
      });
      const statusPatches = server
        .requests()
        .filter(
          (request) => request.method === 'PATCH' && request.path.endsWith('/pods/web-0/status'),
        );
      assert.ok(statusPatches.length >= 3);
      assert.ok(
        statusPatches.every(
          (request) =>
            request.contentType === 'application/strategic-merge-patch+json' &&
            request.status === 200,
        ),
      );
    } finally {
      controller.abort();
      await running;
    }
  });

  test('Events record becoming leader and stepping down, and a burst beyond the limit is dropped and counted', async () => {
    const { server } = harness;
    createPod(server, 'web-1');
    const { observe, events } = recorder<PodSyncEvent>();
    const writer = createPodLabelWriter({
      api: await harness.api(),
      podName: 'web-1',
      namespace: 'default',
      electionName: 'orders',
      eventBurst: 2,
      eventRefillMs: 3_600_000,
      clock: systemClock,
      random: Math.random,
      observe,
      logger: memoryLogger().logger,
    });
    const controller = new AbortController();
    const running = writer.run(controller.signal);
    try {
      writer.update(leading(8n));
      writer.update(following(8n));
      writer.update(leading(9n));
      writer.update(following(9n));
      await waitFor(
        () =>
          events.filter((event) => event.type === 'pod-event' && event.result !== 'failed')
            .length === 4,
        { timeoutMs: 5000, what: 'four Event outcomes' },
      );
      const recorded = server
        .list('events', 'default')
        .filter((event) => (event.involvedObject as JsonObject).name === 'web-1');
      assert.deepEqual(recorded.map((event) => event.reason).sort(), [
        'BecameLeader',
        'SteppedDown',
      ]);
      for (const event of recorded) {
        assert.equal(event.type, 'Normal');
        assert.deepEqual(
          {
            kind: (event.involvedObject as JsonObject).kind,
            namespace: (event.involvedObject as JsonObject).namespace,
          },
          { kind: 'Pod', namespace: 'default' },
        );
        assert.equal((event.source as JsonObject).component, 'elector');
        assert.equal(event.count, 1);
      }
      const became = recorded.find((event) => event.reason === 'BecameLeader');
      assert.match(
        JSON.stringify(became?.message),
        /web-1 became leader of election orders \(fencing token 8\)/,
      );
      assert.equal(
        events.filter((event) => event.type === 'pod-event' && event.result === 'rate-limited')
          .length,
        2,
      );
    } finally {
      controller.abort();
      await running;
    }
  });
});
