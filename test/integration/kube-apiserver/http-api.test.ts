// The test apiserver checked at the wire: status codes, Status bodies, preconditions, MicroTime,
// watches and faults, with plain fetch (no client library in between).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  startKubeApiServer,
  type JsonObject,
  type KubeApiServer,
} from '../../../lab/kube-apiserver/index.js';
import { waitFor } from '../../../lab/wait-for.js';

interface Answer {
  readonly code: number;
  readonly body: JsonObject;
}

interface WatchStream {
  readonly events: { readonly type: string; readonly object: JsonObject }[];
  readonly ended: Promise<void>;
  close(): void;
}

const podsPath = '/api/v1/namespaces/default/pods';
const leasesPath = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

/** A field's value as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function podBody(name: string, labels: Record<string, string> = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  };
}

function metadataOf(object: JsonObject | undefined): JsonObject {
  return (object?.metadata ?? {}) as JsonObject;
}

describe('the test apiserver over plain HTTP', () => {
  let server: KubeApiServer;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    accept = 'application/json',
  ): Promise<Answer> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'Content-Type': contentType, Accept: accept },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { code: response.status, body: (text === '' ? {} : JSON.parse(text)) as JsonObject };
  };

  const openWatch = async (path: string): Promise<WatchStream> => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}${path}`, { signal: controller.signal });
    assert.equal(response.status, 200);
    const events: { type: string; object: JsonObject }[] = [];
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
    const ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const chunk = await reader?.read();
          if (chunk === undefined || chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          for (let index = buffer.indexOf('\n'); index >= 0; index = buffer.indexOf('\n')) {
            events.push(JSON.parse(buffer.slice(0, index)) as { type: string; object: JsonObject });
            buffer = buffer.slice(index + 1);
          }
        }
      } catch (error) {
        if (!(error instanceof Error && error.name === 'AbortError')) throw error;
      }
    })();
    return {
      events,
      ended,
      close: () => {
        controller.abort();
      },
    };
  };

  before(async () => {
    server = await startKubeApiServer({ namespaces: ['default', 'other'] });
  });

  after(async () => {
    await server.close();
  });

  test('a patch carrying a stale resourceVersion is 409 Conflict and changes nothing', async () => {
    const created = await call('POST', podsPath, podBody('patched'));
    assert.equal(created.code, 201);
    const version = text(metadataOf(created.body).resourceVersion);
    const first = await call(
      'PATCH',
      `${podsPath}/patched`,
      { metadata: { resourceVersion: version, labels: { role: 'leader' } } },
      'application/merge-patch+json',
    );
    assert.equal(first.code, 200);
    const stale = await call(
      'PATCH',
      `${podsPath}/patched`,
      { metadata: { resourceVersion: version, labels: { role: 'follower' } } },
      'application/merge-patch+json',
    );
    assert.equal(stale.code, 409);
    assert.deepEqual(stale.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on pods "patched": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'patched', kind: 'pods' },
      code: 409,
    });
    assert.deepEqual(metadataOf(server.get('pods', 'default', 'patched')).labels, {
      role: 'leader',
    });
  });

  test('leases: AlreadyExists on a second create, Conflict on a stale replace, and typed spec fields', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'elector' },
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: '2024-05-01T12:00:00.000001+02:00',
      },
    };
    const created = await call('POST', leasesPath, lease);
    assert.equal(created.code, 201);
    assert.equal((created.body.spec as JsonObject).renewTime, '2024-05-01T10:00:00.000001Z');
    const duplicate = await call('POST', leasesPath, lease);
    assert.equal(duplicate.code, 409);
    assert.equal(duplicate.body.reason, 'AlreadyExists');
    assert.equal(duplicate.body.message, 'leases.coordination.k8s.io "elector" already exists');
    const renewed = await call('PUT', `${leasesPath}/elector`, {
      ...created.body,
      spec: { ...(created.body.spec as JsonObject), holderIdentity: 'a2' },
    });
    assert.equal(renewed.code, 200);
    const stale = await call('PUT', `${leasesPath}/elector`, {
      ...created.body,
      spec: { holderIdentity: 'b' },
    });
    assert.equal(stale.code, 409);
    assert.equal(stale.body.reason, 'Conflict');
    const millis = await call('POST', leasesPath, {
      ...lease,
      metadata: { name: 'millis' },
      spec: { renewTime: '2024-05-01T10:00:00.123Z' },
    });
    assert.equal(millis.code, 400);
    assert.equal(
      millis.body.message,
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2024-05-01T10:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"',
    );
    const stringDuration = await call('POST', leasesPath, {
      ...lease,
      metadata: { name: 's' },
      spec: { leaseDurationSeconds: '15' },
    });
    assert.equal(stringDuration.code, 400);
    assert.match(
      text(stringDuration.body.message),
      /cannot unmarshal string into Go struct field LeaseSpec\.spec\.leaseDurationSeconds of type int32/,
    );
    const zero = await call('POST', leasesPath, {
      ...lease,
      metadata: { name: 'zero' },
      spec: { leaseDurationSeconds: 0, leaseTransitions: -1 },
    });
    assert.equal(zero.code, 422);
    assert.deepEqual((zero.body.details as JsonObject).causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 0: must be greater than 0',
        field: 'spec.leaseDurationSeconds',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: must be greater than or equal to 0',
        field: 'spec.leaseTransitions',
      },
    ]);
  });

  test('an update or patch to a pod keeps its status; the status subresource changes only status', async () => {
    server.put({
      ...podBody('phased'),
      metadata: { name: 'phased', namespace: 'default' },
      status: { phase: 'Running' },
    });
    assert.equal(server.podPhase('default', 'phased'), 'Running');
    const current = await call('GET', `${podsPath}/phased`);
    const update = await call('PUT', `${podsPath}/phased`, {
      ...current.body,
      status: { phase: 'Failed' },
    });
    assert.equal(update.code, 200);
    assert.equal(server.podPhase('default', 'phased'), 'Running');
    const status = await call(
      'PATCH',
      `${podsPath}/phased/status`,
      { metadata: { labels: { sneaky: 'yes' } }, status: { phase: 'Succeeded' } },
      'application/merge-patch+json',
    );
    assert.equal(status.code, 200);
    assert.equal(server.podPhase('default', 'phased'), 'Succeeded');
    assert.equal(
      (metadataOf(server.get('pods', 'default', 'phased')).labels as JsonObject | undefined)
        ?.sneaky,
      undefined,
    );
  });

  test('a watch sees ADDED, MODIFIED and DELETED, and objects entering or leaving its selector', async () => {
    const watch = await openWatch(
      `${podsPath}?watch=true&labelSelector=app%3Dwatched&resourceVersion=${server.currentResourceVersion()}`,
    );
    await waitFor(() => server.activeWatchCount() === 1, {
      timeoutMs: 5000,
      what: 'the watch to be open',
    });
    server.put(podBody('w1', { app: 'watched' }));
    server.put(podBody('w2', { app: 'other' }));
    server.put({
      ...podBody('w1', { app: 'watched' }),
      metadata: { name: 'w1', labels: { app: 'watched' }, annotations: { step: '2' } },
    });
    server.put(podBody('w1', { app: 'elsewhere' }));
    server.put(podBody('w2', { app: 'watched' }));
    server.delete('pods', 'default', 'w2');
    await waitFor(() => watch.events.length >= 5, { timeoutMs: 5000, what: 'five watch events' });
    assert.deepEqual(
      watch.events.map((event) => `${event.type} ${text(metadataOf(event.object).name)}`),
      ['ADDED w1', 'MODIFIED w1', 'DELETED w1', 'ADDED w2', 'DELETED w2'],
    );
    const versions = watch.events.map((event) => Number(metadataOf(event.object).resourceVersion));
    assert.deepEqual(
      [...versions].sort((left, right) => left - right),
      versions,
    );
    watch.close();
    await watch.ended;
    await waitFor(() => server.activeWatchCount() === 0, {
      timeoutMs: 5000,
      what: 'the watch to close',
    });
  });

  test('a watch without a resourceVersion starts with ADDED for what exists; one from a compacted version gets 410 Expired', async () => {
    const initial = await openWatch(
      `${podsPath}?watch=true&fieldSelector=metadata.name%3Dpatched&timeoutSeconds=1`,
    );
    await initial.ended;
    assert.deepEqual(
      initial.events.map((event) => `${event.type} ${text(metadataOf(event.object).name)}`),
      ['ADDED patched'],
    );
    const old = server.currentResourceVersion();
    server.put(podBody('late'));
    server.compactHistory();
    const expired = await openWatch(`${podsPath}?watch=true&resourceVersion=${old}`);
    await expired.ended;
    assert.equal(expired.events.length, 1);
    const [event] = expired.events;
    assert.ok(event !== undefined);
    assert.deepEqual(
      [event.type, event.object.code, event.object.reason],
      ['ERROR', 410, 'Expired'],
    );
  });

  test('label and field selectors select as the apiserver does, and a malformed one is 400', async () => {
    server.put(podBody('sel-a', { tier: 'a', role: 'leader' }));
    server.put(podBody('sel-b', { tier: 'b' }));
    server.put(podBody('sel-c', { tier: 'c', role: 'follower' }));
    const names = async (query: string): Promise<string[]> => {
      const answer = await call('GET', `${podsPath}?${query}`);
      assert.equal(answer.code, 200, JSON.stringify(answer.body));
      return (answer.body.items as JsonObject[])
        .map((item) => text(metadataOf(item).name))
        .filter((name) => name.startsWith('sel-'));
    };
    const selector = (value: string): string => `labelSelector=${encodeURIComponent(value)}`;
    assert.deepEqual(await names(selector('tier=a')), ['sel-a']);
    assert.deepEqual(await names(selector('tier!=a,tier')), ['sel-b', 'sel-c']);
    assert.deepEqual(await names(selector('tier in (a, c)')), ['sel-a', 'sel-c']);
    assert.deepEqual(await names(selector('tier notin (a)')), ['sel-b', 'sel-c']);
    assert.deepEqual(await names(selector('tier,!role')), ['sel-b']);
    assert.deepEqual(await names(`fieldSelector=${encodeURIComponent('metadata.name=sel-b')}`), [
      'sel-b',
    ]);
    assert.equal((await call('GET', `${podsPath}?${selector('tier in (a')}`)).code, 400);
    const unsupported = await call('GET', `${podsPath}?fieldSelector=spec.image%3Dx`);
    assert.equal(unsupported.body.message, 'field label not supported: spec.image');
    const page = await call('GET', `${podsPath}?limit=2`);
    assert.equal((page.body.items as JsonObject[]).length, 2);
    const rest = await call(
      'GET',
      `${podsPath}?limit=100&continue=${text(metadataOf(page.body).continue)}`,
    );
    assert.equal(
      (page.body.items as JsonObject[]).length + (rest.body.items as JsonObject[]).length,
      server.list('pods', 'default').length,
    );
  });

  test('errors carry the real codes and reasons: 404, 405, 406, 415, 422 and a Status on delete', async () => {
    const missing = await call('GET', `${podsPath}/nope`);
    assert.deepEqual(
      [missing.code, missing.body.reason, missing.body.message],
      [404, 'NotFound', 'pods "nope" not found'],
    );
    assert.equal((await call('GET', '/api/v1/namespaces/default/widgets')).code, 404);
    assert.equal(
      (await call('POST', `${podsPath}/patched`, podBody('patched'))).body.reason,
      'MethodNotAllowed',
    );
    const protobuf = await call(
      'GET',
      podsPath,
      undefined,
      'application/json',
      'application/vnd.kubernetes.protobuf',
    );
    assert.deepEqual([protobuf.code, protobuf.body.reason], [406, 'NotAcceptable']);
    const patchType = await call('PATCH', `${podsPath}/patched`, '{}', 'text/plain');
    assert.equal(patchType.code, 415);
    assert.equal(
      patchType.body.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    );
    const badName = await call('POST', podsPath, podBody('Bad_Name'));
    assert.equal(badName.code, 422);
    assert.match(
      text(badName.body.message),
      /^Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    );
    const noNamespace = await call('POST', '/api/v1/namespaces/ghost/configmaps', {
      metadata: { name: 'x' },
    });
    assert.deepEqual(
      [noNamespace.code, noNamespace.body.message],
      [404, 'namespaces "ghost" not found'],
    );
    await call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'gone' },
      data: { a: 'b' },
    });
    const deleted = await call('DELETE', '/api/v1/namespaces/default/configmaps/gone');
    assert.deepEqual([deleted.body.kind, deleted.body.status], ['Status', 'Success']);
    const deletedPod = await call('DELETE', `${podsPath}/late`);
    assert.equal(deletedPod.body.kind, 'Pod');
  });

  test('an object with finalizers is only marked for deletion until they are removed', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'held', finalizers: ['elector.io/hold'] },
    });
    await call('DELETE', '/api/v1/namespaces/default/configmaps/held');
    const marked = server.get('configmaps', 'default', 'held');
    assert.equal(typeof metadataOf(marked).deletionTimestamp, 'string');
    await call(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/held',
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    assert.equal(server.get('configmaps', 'default', 'held'), undefined);
  });

  test('injected failures and delays apply to matching requests, then the server recovers', async () => {
    server.failNext(2, 503, { pathIncludes: '/leases' });
    assert.equal((await call('GET', `${podsPath}/patched`)).code, 200);
    assert.equal((await call('GET', `${leasesPath}/elector`)).code, 503);
    const second = await call('GET', `${leasesPath}/elector`);
    assert.deepEqual([second.code, second.body.reason], [503, 'ServiceUnavailable']);
    assert.equal((await call('GET', `${leasesPath}/elector`)).code, 200);
    server.delayResponses(150);
    const started = Date.now();
    await call('GET', `${leasesPath}/elector`);
    assert.ok(Date.now() - started >= 150, 'the answer should wait out the delay');
    server.clearFaults();
    await server.refuseConnections();
    await assert.rejects(call('GET', `${leasesPath}/elector`), /fetch failed/);
    await server.acceptConnections();
    assert.equal((await call('GET', `${leasesPath}/elector`)).code, 200);
  });

  test('RBAC rules follow Role semantics, including subresources and resourceNames', async () => {
    const strict = await startKubeApiServer({
      requireAuthentication: true,
      users: [
        {
          token: 'writer',
          name: 'system:serviceaccount:default:writer',
          namespace: 'default',
          rules: [
            {
              apiGroups: [''],
              resources: ['pods'],
              verbs: ['get', 'patch'],
              resourceNames: ['mine'],
            },
            { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
          ],
        },
      ],
    });
    try {
      const as = async (
        token: string | undefined,
        method: string,
        path: string,
      ): Promise<Answer> => {
        const response = await fetch(`${strict.url}${path}`, {
          method,
          headers: {
            'Content-Type': 'application/merge-patch+json',
            ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          },
          ...(method === 'PATCH' ? { body: '{}' } : {}),
        });
        return { code: response.status, body: (await response.json()) as JsonObject };
      };
      assert.equal((await as(undefined, 'GET', podsPath)).code, 401);
      assert.equal((await as('wrong', 'GET', podsPath)).code, 401);
      assert.equal((await as('writer', 'GET', `${podsPath}/mine`)).code, 404);
      const other = await as('writer', 'GET', `${podsPath}/theirs`);
      assert.equal(other.code, 403);
      assert.equal(
        other.body.message,
        'pods "theirs" is forbidden: User "system:serviceaccount:default:writer" cannot get resource "pods" in API group "" in the namespace "default"',
      );
      assert.equal((await as('writer', 'PATCH', `${podsPath}/anything/status`)).code, 404);
      const elsewhere = await as('writer', 'PATCH', '/api/v1/namespaces/other/pods/mine/status');
      assert.match(
        text(elsewhere.body.message),
        /cannot patch resource "pods\/status" in API group "" in the namespace "other"$/,
      );
      const cluster = await as('writer', 'GET', '/api/v1/namespaces');
      assert.match(
        text(cluster.body.message),
        /cannot list resource "namespaces" in API group "" at the cluster scope$/,
      );
    } finally {
      await strict.close();
    }
  });
});
