/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node's generated models are classes, but its API takes plain objects, as its own examples do. */
// The test apiserver checked against @kubernetes/client-node, the client the elector uses:
// preconditions, conflicts, MicroTime, watches (including 410 Expired), selectors and faults.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
  type V1Lease,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  startKubeApiServer,
  type JsonObject,
  type KubeApiServer,
} from '../../../lab/kube-apiserver/index.js';
import { waitFor } from '../../../lab/wait-for.js';

/** A field's value as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
}

/** The HTTP code of a client-node failure, or the error itself when it is something else. */
async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
  throw new Error('expected the request to fail');
}

async function statusOf(promise: Promise<unknown>): Promise<JsonObject> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return JSON.parse(String(error.body)) as JsonObject;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('the test apiserver driven by @kubernetes/client-node', () => {
  let server: KubeApiServer;
  let directory: string;
  let config: KubeConfig;
  let core: CoreV1Api;
  let coordination: CoordinationV1Api;

  before(async () => {
    server = await startKubeApiServer({ watchHistoryLimit: 50 });
    directory = await mkdtemp(join(tmpdir(), 'kube-apiserver-client-'));
    await server.writeKubeconfig(join(directory, 'kubeconfig'));
    config = new KubeConfig();
    config.loadFromFile(join(directory, 'kubeconfig'));
    core = config.makeApiClient(CoreV1Api);
    coordination = config.makeApiClient(CoordinationV1Api);
  });

  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('a pod patch carrying a stale resourceVersion is rejected with 409 Conflict', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('patched') });
    const staleVersion = created.metadata?.resourceVersion ?? '';
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const labelled = await core.patchNamespacedPod(
      {
        name: 'patched',
        namespace: 'default',
        body: { metadata: { resourceVersion: staleVersion, labels: { role: 'leader' } } },
      },
      mergePatch,
    );
    assert.equal(labelled.metadata?.labels?.role, 'leader');
    const status = await statusOf(
      core.patchNamespacedPod(
        {
          name: 'patched',
          namespace: 'default',
          body: { metadata: { resourceVersion: staleVersion, labels: { role: 'follower' } } },
        },
        mergePatch,
      ),
    );
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'Conflict');
    assert.equal(
      status.message,
      'Operation cannot be fulfilled on pods "patched": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(
      (server.get('pods', 'default', 'patched')?.metadata as JsonObject).labels instanceof Object,
      true,
    );
    assert.equal(
      ((server.get('pods', 'default', 'patched')?.metadata as JsonObject).labels as JsonObject)
        .role,
      'leader',
    );
  });

  test('creating a lease twice is AlreadyExists, and replacing it from a stale read is Conflict', async () => {
    const lease: V1Lease = {
      metadata: { name: 'elector', namespace: 'default' },
      spec: {
        holderIdentity: 'pod-a',
        leaseDurationSeconds: 15,
        acquireTime: new V1MicroTime(),
        renewTime: new V1MicroTime(),
        leaseTransitions: 0,
      },
    };
    const created = await coordination.createNamespacedLease({ namespace: 'default', body: lease });
    const duplicate = await statusOf(
      coordination.createNamespacedLease({ namespace: 'default', body: lease }),
    );
    assert.equal(duplicate.code, 409);
    assert.equal(duplicate.reason, 'AlreadyExists');
    assert.equal(duplicate.message, 'leases.coordination.k8s.io "elector" already exists');

    const renewed = await coordination.replaceNamespacedLease({
      name: 'elector',
      namespace: 'default',
      body: { ...created, spec: { ...created.spec, renewTime: new V1MicroTime() } },
    });
    assert.ok(
      Number(renewed.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion),
    );
    const stale = await statusOf(
      coordination.replaceNamespacedLease({
        name: 'elector',
        namespace: 'default',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'pod-b' } },
      }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    assert.match(
      text(stale.message),
      /^Operation cannot be fulfilled on leases\.coordination\.k8s\.io "elector": the object has been modified/,
    );
    assert.equal(
      (server.get('leases.coordination.k8s.io', 'default', 'elector')?.spec as JsonObject)
        .holderIdentity,
      'pod-a',
    );
  });

  test('lease times must be MicroTime with six fractional digits, and are stored in UTC', async () => {
    const plainDate = await statusOf(
      coordination.createNamespacedLease({
        namespace: 'default',
        body: {
          metadata: { name: 'millis' },
          spec: { holderIdentity: 'x', renewTime: new Date('2024-05-01T10:00:00.123Z') },
        },
      }),
    );
    assert.equal(plainDate.code, 400);
    assert.match(
      text(plainDate.message),
      /cannot be handled as a Lease: parsing time "2024-05-01T10:00:00\.123Z"/,
    );
    await coordination.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'micros' },
        spec: {
          holderIdentity: 'x',
          renewTime: new V1MicroTime('2024-05-01T10:00:00.123Z'),
        },
      },
    });
    assert.equal(
      (server.get('leases.coordination.k8s.io', 'default', 'micros')?.spec as JsonObject).renewTime,
      '2024-05-01T10:00:00.123000Z',
    );
    const negative = await statusOf(
      coordination.createNamespacedLease({
        namespace: 'default',
        body: { metadata: { name: 'negative' }, spec: { leaseDurationSeconds: 0 } },
      }),
    );
    assert.equal(negative.code, 422);
    assert.equal(
      negative.message,
      'Lease.coordination.k8s.io "negative" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    );
  });

  test('a pod watch sees ADDED, MODIFIED and DELETED in order, each with a newer resourceVersion', async () => {
    const events: { type: string; name: string; resourceVersion: number }[] = [];
    const watch = new Watch(config);
    const ended: unknown[] = [];
    const controller = await watch.watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: server.currentResourceVersion(), labelSelector: 'app=watched' },
      (type, object: V1Pod) => {
        events.push({
          type,
          name: object.metadata?.name ?? '',
          resourceVersion: Number(object.metadata?.resourceVersion),
        });
      },
      (error) => ended.push(error),
    );
    await waitFor(() => server.activeWatchCount() === 1, {
      timeoutMs: 5000,
      what: 'the watch to be open',
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod('watched', { app: 'watched' }),
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod('unwatched', { app: 'other' }),
    });
    await core.patchNamespacedPod(
      { name: 'watched', namespace: 'default', body: { metadata: { annotations: { step: '2' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedPod({ name: 'watched', namespace: 'default' });
    await waitFor(() => events.length >= 3 && events, {
      timeoutMs: 5000,
      what: 'three watch events',
    });
    assert.deepEqual(
      events.map((event) => `${event.type} ${event.name}`),
      ['ADDED watched', 'MODIFIED watched', 'DELETED watched'],
    );
    assert.ok(
      events.every(
        (event, index) =>
          index === 0 || event.resourceVersion > (events[index - 1]?.resourceVersion ?? 0),
      ),
    );
    controller.abort();
    await waitFor(() => server.activeWatchCount() === 0, {
      timeoutMs: 5000,
      what: 'the watch to close',
    });
  });

  test('a watch from a compacted resourceVersion gets one ERROR event with 410 Expired', async () => {
    const old = server.currentResourceVersion();
    await core.createNamespacedPod({ namespace: 'default', body: pod('after-old') });
    server.compactHistory();
    const events: { type: string; object: JsonObject }[] = [];
    let isDone = false;
    await new Watch(config).watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: old },
      (type, object: JsonObject) => events.push({ type, object }),
      () => {
        isDone = true;
      },
    );
    await waitFor(() => isDone, { timeoutMs: 5000, what: 'the expired watch to end' });
    assert.equal(events.length, 1);
    const [event] = events;
    assert.ok(event !== undefined);
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
    assert.match(text(event.object.message), /^too old resource version: \d+ \(\d+\)$/);
  });

  test('label selectors with =, !=, in, notin, exists and !exists select as the apiserver does', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod('sel-a', { tier: 'a', role: 'leader' }),
    });
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-b', { tier: 'b' }) });
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod('sel-c', { tier: 'c', role: 'follower' }),
    });
    const names = async (labelSelector: string): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: 'default', labelSelector })).items
        .map((item) => item.metadata?.name ?? '')
        .filter((name) => name.startsWith('sel-'));
    assert.deepEqual(await names('tier=a'), ['sel-a']);
    assert.deepEqual(await names('tier!=a,tier'), ['sel-b', 'sel-c']);
    assert.deepEqual(await names('tier in (a, c)'), ['sel-a', 'sel-c']);
    assert.deepEqual(await names('tier notin (a),tier'), ['sel-b', 'sel-c']);
    assert.deepEqual(await names('tier,role'), ['sel-a', 'sel-c']);
    assert.deepEqual(await names('tier,!role'), ['sel-b']);
    const list = await core.listNamespacedPod({
      namespace: 'default',
      fieldSelector: 'metadata.name=sel-b',
    });
    assert.deepEqual(
      list.items.map((item) => item.metadata?.name),
      ['sel-b'],
    );
    assert.equal(list.metadata?.resourceVersion, server.currentResourceVersion());
    assert.equal(
      await codeOf(core.listNamespacedPod({ namespace: 'default', labelSelector: 'tier in (a' })),
      400,
    );
  });

  test('injected failures answer the next requests with the given status, then the server recovers', async () => {
    server.failNext(2, 503, { pathIncludes: '/leases' });
    const read = (): Promise<V1Lease> =>
      coordination.readNamespacedLease({ name: 'elector', namespace: 'default' });
    assert.equal(await codeOf(read()), 503);
    assert.equal(await codeOf(read()), 503);
    assert.equal((await read()).spec?.holderIdentity, 'pod-a');
    server.delayResponses(150);
    const started = Date.now();
    await read();
    assert.ok(Date.now() - started >= 150, 'the response should have waited out the delay');
    server.clearFaults();
  });

  test('while connections are refused client calls fail, and they work again afterwards', async () => {
    await server.refuseConnections();
    await assert.rejects(
      core.readNamespace({ name: 'default' }),
      /ECONNREFUSED|fetch failed|connect/,
    );
    await server.acceptConnections();
    assert.equal((await core.readNamespace({ name: 'default' })).status?.phase, 'Active');
  });

  test('without a token, a server that requires authentication answers 401', async () => {
    const strict = await startKubeApiServer({ requireAuthentication: true });
    try {
      const anonymous = new KubeConfig();
      anonymous.loadFromOptions({
        clusters: [{ name: 'c', server: strict.url, skipTLSVerify: true }],
        users: [{ name: 'u' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      assert.equal(await codeOf(anonymous.makeApiClient(CoreV1Api).listNamespace()), 401);
    } finally {
      await strict.close();
    }
  });
});
