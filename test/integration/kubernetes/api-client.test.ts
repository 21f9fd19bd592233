// The API client: in-cluster configuration over TLS with a service-account token, kubeconfig
// errors, and deadlines on every request.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ElectorError } from '../../../src/core/errors.js';
import { KubernetesApiError } from '../../../src/kubernetes/api-errors.js';
import { createKubernetesApi } from '../../../src/kubernetes/api-client.js';
import { getPod } from '../../../src/kubernetes/pod-client.js';
import {
  serviceAccountUserName,
  startKubeApiServer,
  type KubeApiServer,
} from '../../../lab/kube-apiserver/index.js';
import { createPod, startHarness, type Harness } from './harness.js';

async function rejection(promise: Promise<unknown>): Promise<KubernetesApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KubernetesApiError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

describe('the Kubernetes API client', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
    createPod(harness.server, 'web-0');
  });

  after(async () => {
    await harness.close();
  });

  test('in a pod it uses the service-account token, CA and namespace over TLS', async () => {
    const server: KubeApiServer = await startKubeApiServer({
      tls: true,
      requireAuthentication: true,
    });
    const root = await mkdtemp(join(tmpdir(), 'elector-in-cluster-'));
    const saved = {
      host: process.env.KUBERNETES_SERVICE_HOST,
      port: process.env.KUBERNETES_SERVICE_PORT,
    };
    try {
      const user = serviceAccountUserName('shop', 'elector');
      server.setUser({ token: 'sa-token', name: user });
      server.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
      server.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-0', namespace: 'shop' },
        spec: { containers: [{ name: 'app', image: 'nginx' }] },
      });
      const accountDirectory = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      await mkdir(accountDirectory, { recursive: true });
      await writeFile(join(accountDirectory, 'token'), 'sa-token');
      await writeFile(join(accountDirectory, 'ca.crt'), server.certificateAuthority ?? '');
      await writeFile(join(accountDirectory, 'namespace'), 'shop');
      const url = new URL(server.url);
      process.env.KUBERNETES_SERVICE_HOST = url.hostname;
      process.env.KUBERNETES_SERVICE_PORT = url.port;
      const api = createKubernetesApi({ source: { kind: 'in-cluster', rootDirectory: root } });
      assert.equal(api.defaultNamespace, 'shop');
      assert.equal(api.server, server.url);
      const pod = await getPod(api, 'shop', 'web-0', AbortSignal.timeout(5000));
      assert.equal(pod.name, 'web-0');
      assert.equal(server.requests().at(-1)?.user, user);
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      await server.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('outside a pod, in-cluster config is refused with a message saying what is missing', () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      assert.throws(
        () => createKubernetesApi({ source: { kind: 'in-cluster' } }),
        (error: unknown) =>
          error instanceof ElectorError &&
          error.code === 'CONFIG_INVALID' &&
          /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/.test(error.message),
      );
    } finally {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    }
  });

  test('a missing kubeconfig or an unknown context is refused with its path or name', async () => {
    assert.throws(
      () =>
        createKubernetesApi({
          source: { kind: 'kubeconfig', path: join(harness.directory, 'nope') },
        }),
      /^ElectorError: kubernetes kubeconfig ".*nope": cannot load it: ENOENT/,
    );
    const path = join(harness.directory, 'kubeconfig-context');
    await harness.server.writeKubeconfig(path);
    assert.throws(
      () => createKubernetesApi({ source: { kind: 'kubeconfig', path, context: 'prod' } }),
      /no context "prod"; it has test/,
    );
    assert.equal(
      createKubernetesApi({ source: { kind: 'kubeconfig', path, context: 'test' } })
        .defaultNamespace,
      'default',
    );
  });

  test('a request that gets no answer in time fails with Timeout at its deadline', async () => {
    const api = await harness.api({ requestTimeoutMs: 150 });
    harness.server.delayResponses(2000);
    try {
      const started = Date.now();
      const error = await rejection(getPod(api, 'default', 'web-0', new AbortController().signal));
      const elapsedMs = Date.now() - started;
      // The answer would come after 2 s and succeed: a Timeout can only be the client's deadline.
      assert.deepEqual([error.reason, error.retryable, error.statusCode], ['Timeout', true, 0]);
      assert.ok(elapsedMs >= 140, `failed after ${elapsedMs} ms, before its 150 ms deadline`);
    } finally {
      harness.server.delayResponses(0);
    }
  });

  test("the caller's abort ends a request at once and is not retryable", async () => {
    const api = await harness.api();
    harness.server.delayResponses(2000);
    try {
      const controller = new AbortController();
      const pending = getPod(api, 'default', 'web-0', controller.signal);
      controller.abort();
      const error = await rejection(pending);
      assert.deepEqual([error.reason, error.retryable], ['Aborted', false]);
    } finally {
      harness.server.delayResponses(0);
    }
  });

  test('a refused connection is a retryable NetworkError, and a Status answer keeps its reason', async () => {
    const api = await harness.api();
    await harness.server.refuseConnections();
    try {
      const refused = await rejection(getPod(api, 'default', 'web-0', AbortSignal.timeout(5000)));
      assert.deepEqual([refused.reason, refused.retryable], ['NetworkError', true]);
      assert.match(refused.message, /ECONNREFUSED/);
    } finally {
      await harness.server.acceptConnections();
    }
    const missing = await rejection(getPod(api, 'default', 'web-404', AbortSignal.timeout(5000)));
    assert.equal(
      missing.message,
      'kubernetes get pod default/web-404 failed with 404 NotFound: pods "web-404" not found',
    );
  });
});
