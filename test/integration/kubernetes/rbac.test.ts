// The least privileges elector needs, checked against the test apiserver's RBAC: with the
// minimal Role everything works; without one permission the member keeps running and reports
// a clear error and a counter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLeaseBackend } from '../../../src/backends/kubernetes/lease-backend.js';
import type { ElectionEvent } from '../../../src/core/election-events.js';
import { ElectorError } from '../../../src/core/errors.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import {
  serviceAccountUserName,
  type JsonObject,
  type PolicyRule,
} from '../../../lab/kube-apiserver/index.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  conditionOf,
  createPod,
  labelsOf,
  leading,
  memoryLogger,
  recorder,
  startHarness,
  type Harness,
  runWriter,
  type RunningWriter,
} from './harness.js';

/** The Role for the pod label writer, with the readiness gate and Events on. */
const podRules: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch'] },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** The Role for the Lease backend: create cannot be limited by name, the rest can. */
const leaseRules: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'update', 'watch'],
    resourceNames: ['orders'],
  },
];

const userName = serviceAccountUserName('default', 'elector');

describe('RBAC', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({ requireAuthentication: true });
  });

  after(async () => {
    await harness.close();
  });

  function grant(token: string, rules: readonly PolicyRule[]): void {
    harness.server.setUser({ token, name: userName, namespace: 'default', rules });
  }

  async function startWriter(token: string, podName: string): Promise<RunningWriter> {
    return runWriter(await harness.api({ token }), podName, {
      readinessConditionType: 'elector.io/leader',
      recordEvents: true,
    });
  }

  test('with the minimal pod Role the writer labels, sets the condition, cleans up and records Events', async () => {
    grant('minimal', podRules);
    createPod(harness.server, 'web-0');
    createPod(
      harness.server,
      'web-9',
      { 'elector.io/role': 'leader' },
      { 'elector.io/fencing-token': '1' },
    );
    harness.server.clearRequests();
    const { writer, events, stop } = await startWriter('minimal', 'web-0');
    try {
      writer.update(leading(2n));
      await waitFor(() => events.some((event) => event.type === 'label-convergence'), {
        timeoutMs: 5000,
        what: 'labels to converge',
      });
      await waitFor(() => events.some((event) => event.type === 'pod-event'), {
        timeoutMs: 5000,
        what: 'the Event outcome',
      });
      assert.equal(labelsOf(harness.server, 'web-0')['elector.io/role'], 'leader');
      assert.equal(labelsOf(harness.server, 'web-9')['elector.io/role'], 'follower');
      await waitFor(
        () => conditionOf(harness.server, 'web-0', 'elector.io/leader')?.status === 'True',
        {
          timeoutMs: 5000,
          what: 'the condition',
        },
      );
      assert.deepEqual(
        events.filter((event) => event.type === 'pod-event').map((event) => event.result),
        ['recorded'],
      );
      const requests = harness.server.requests();
      assert.ok(
        requests.every((request) => request.user === userName),
        'every request used the token',
      );
      assert.deepEqual(
        requests.filter((request) => request.status === 403),
        [],
      );
    } finally {
      await stop();
    }
  });

  test('without pods/status patch the label still works and the condition fails with a logged, counted Forbidden', async () => {
    grant(
      'no-status',
      podRules.filter((rule) => !rule.resources.includes('pods/status')),
    );
    createPod(harness.server, 'web-1');
    const { writer, events, lines, stop } = await startWriter('no-status', 'web-1');
    try {
      writer.update(leading(3n));
      await waitFor(
        () =>
          events.filter(
            (event) =>
              event.type === 'pod-write' &&
              event.target === 'condition' &&
              event.reason === 'Forbidden',
          ).length >= 2,
        { timeoutMs: 5000, what: 'repeated Forbidden answers for the condition' },
      );
      assert.equal(labelsOf(harness.server, 'web-1')['elector.io/role'], 'leader');
      const logged = lines().find((line) => line.reason === 'Forbidden');
      assert.equal(logged?.level, 50);
      assert.match(
        String(logged.msg),
        /403 Forbidden: pods "web-1" is forbidden: User "system:serviceaccount:default:elector" cannot patch resource "pods\/status".*grant this verb/,
      );
      assert.equal(writer.status().isConverged, false);
    } finally {
      await stop();
    }
  });

  async function startLease(token: string, memberId: string) {
    const { observe, events } = recorder<ElectionEvent>();
    const { logger, lines } = memoryLogger();
    const backend = createLeaseBackend({
      memberId,
      address: '127.0.0.1:8080',
      api: await harness.api({ token }),
      namespace: 'default',
      leaseName: 'orders',
      leaseDurationMs: 1500,
      renewDeadlineMs: 1000,
      retryPeriodMs: 200,
      clock: systemClock,
      random: Math.random,
      observe,
      logger,
    });
    const controller = new AbortController();
    return { backend, events, lines, controller };
  }

  test('with the minimal Lease Role a member creates, takes and watches the Lease', async () => {
    grant('lease', leaseRules);
    const { backend, events, controller } = await startLease('lease', 'member-a');
    try {
      await backend.start(controller.signal);
      await waitFor(() => backend.current().isSelf, { timeoutMs: 5000, what: 'member-a to lead' });
      await waitFor(() => harness.server.activeWatchCount() > 0, {
        timeoutMs: 5000,
        what: 'the watch',
      });
      assert.deepEqual(
        events.filter((event) => event.type === 'backend-error'),
        [],
      );
      const lease = harness.server.get('leases.coordination.k8s.io', 'default', 'orders');
      assert.equal((lease?.spec as JsonObject).holderIdentity, 'member-a');
    } finally {
      controller.abort();
      await backend.stopped();
    }
  });

  test('without watch a member still elects by polling, and the refusal is logged and counted', async () => {
    grant(
      'no-watch',
      leaseRules.map((rule) => ({ ...rule, verbs: rule.verbs.filter((verb) => verb !== 'watch') })),
    );
    const { backend, events, lines, controller } = await startLease('no-watch', 'member-b');
    try {
      await backend.start(controller.signal);
      await waitFor(() => backend.current().isSelf, {
        timeoutMs: 5000,
        what: 'member-b to lead after the release',
      });
      await waitFor(
        () =>
          events.some(
            (event) =>
              event.type === 'backend-error' &&
              event.operation === 'watch' &&
              event.code === 'Forbidden',
          ),
        { timeoutMs: 5000, what: 'a counted watch refusal' },
      );
      const logged = lines().find((line) => line.reason === 'Forbidden');
      assert.equal(logged?.level, 50);
      assert.match(
        String(logged.msg),
        /cannot watch resource "leases" in API group "coordination\.k8s\.io"/,
      );
    } finally {
      controller.abort();
      await backend.stopped();
    }
  });

  test('without get on the Lease, start() rejects with a clear error instead of campaigning blind', async () => {
    grant('no-get', [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'update'] },
    ]);
    const { backend, controller } = await startLease('no-get', 'member-c');
    try {
      await assert.rejects(backend.start(controller.signal), (error: unknown) => {
        assert.ok(error instanceof ElectorError);
        assert.equal(error.code, 'KUBERNETES_API_ERROR');
        assert.equal(error.retryable, false);
        assert.match(
          error.message,
          /^kubernetes get lease default\/orders failed with 403 Forbidden: .*cannot get resource "leases"/,
        );
        return true;
      });
      assert.equal(backend.current().isSelf, false);
    } finally {
      controller.abort();
      await backend.stopped();
    }
  });
});
