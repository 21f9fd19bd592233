// The test apiserver checked against the real kubectl: what kubectl sends, and how it prints
// what the server answers, must match a real cluster's behaviour.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  serviceAccountUserName,
  startKubeApiServer,
  type JsonObject,
  type KubeApiServer,
} from '../../../lab/kube-apiserver/index.js';
import { kubectlFor, writeManifest, type Kubectl } from './kubectl.js';

const podManifest = `apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels:
    app: web
    elector.io/role: follower
spec:
  containers:
  - name: app
    image: nginx
`;

const appManifest = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: elector
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: elector
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: elector
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: elector
subjects:
- kind: ServiceAccount
  name: elector
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: elector-config
data:
  backend: kubernetes
---
apiVersion: v1
kind: Secret
metadata:
  name: elector-secret
stringData:
  token: hunter2
---
apiVersion: v1
kind: Service
metadata:
  name: elector
spec:
  selector:
    app: elector
  ports:
  - name: http
    port: 8080
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: elector
spec:
  serviceName: elector
  replicas: REPLICAS
  selector:
    matchLabels:
      app: elector
  template:
    metadata:
      labels:
        app: elector
    spec:
      serviceAccountName: elector
      containers:
      - name: app
        image: nginx
      - name: elector
        image: elector:dev
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: elector
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: elector
`;

/** A field's value as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseJson(text: string): JsonObject {
  return JSON.parse(text) as JsonObject;
}

function itemsOf(list: JsonObject): JsonObject[] {
  return (list.items ?? []) as JsonObject[];
}

function metadataOf(object: JsonObject | undefined): Record<string, unknown> {
  return (object?.metadata ?? {}) as Record<string, unknown>;
}

describe('the test apiserver driven by the real kubectl', () => {
  let server: KubeApiServer;
  let directory: string;
  let kubectl: Kubectl;

  before(async () => {
    // HTTPS, because kubectl sends bearer tokens (the RBAC test) only to TLS servers.
    server = await startKubeApiServer({ tls: true });
    directory = await mkdtemp(join(tmpdir(), 'kube-apiserver-kubectl-'));
    kubectl = await kubectlFor(server, join(directory, 'admin'));
  });

  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('kubectl creates a pod from YAML and shows its label as a column and in JSON', async () => {
    const path = await writeManifest(directory, 'pod.yaml', podManifest);
    assert.match(await kubectl.ok(['create', '-f', path]), /pod\/web-0 created/);

    const table = await kubectl.ok(['get', 'pods', '-L', 'elector.io/role']);
    const [header = '', row = ''] = table.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'ROLE']);
    assert.match(row, /^web-0\s+0\/1\s+Pending\s+0\s+\S+\s+follower$/);

    const list = parseJson(
      await kubectl.ok(['get', 'pods', '-L', 'elector.io/role', '-o', 'json']),
    );
    const [pod] = itemsOf(list);
    assert.deepEqual(metadataOf(pod).labels, { app: 'web', 'elector.io/role': 'follower' });
    assert.match(String(metadataOf(pod).resourceVersion), /^\d+$/);
    assert.equal((pod?.status as JsonObject).phase, 'Pending');
  });

  test('kubectl label --overwrite replaces the label and the resourceVersion moves on', async () => {
    const before = metadataOf(server.get('pods', 'default', 'web-0'));
    assert.match(
      await kubectl.ok(['label', 'pod', 'web-0', 'elector.io/role=leader', '--overwrite']),
      /labeled/,
    );
    const after = metadataOf(server.get('pods', 'default', 'web-0'));
    assert.equal((after.labels as Record<string, string>)['elector.io/role'], 'leader');
    assert.ok(Number(after.resourceVersion) > Number(before.resourceVersion));
  });

  test('an invalid label is rejected by the server with the real 422 message naming metadata.labels', async () => {
    const versionBefore = metadataOf(server.get('pods', 'default', 'web-0')).resourceVersion;
    const badValue = await kubectl.run([
      'patch',
      'pod',
      'web-0',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"labels":{"elector.io/role":"bad value!"}}}',
    ]);
    assert.notEqual(badValue.code, 0);
    assert.match(
      badValue.stderr,
      /The Pod "web-0" is invalid: metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'MyValue', {2}or 'my_value', {2}or '12345', regex used for validation is/,
    );
    const badKey = await kubectl.run(['label', 'pod', 'web-0', 'bad key!=x']);
    assert.match(
      badKey.stderr,
      /metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/,
    );
    const tooLong = await kubectl.run([
      'patch',
      'pod',
      'web-0',
      '--type',
      'merge',
      '-p',
      JSON.stringify({ metadata: { labels: { role: 'x'.repeat(64) } } }),
    ]);
    assert.match(tooLong.stderr, /must be no more than 63 characters/);
    assert.equal(metadataOf(server.get('pods', 'default', 'web-0')).resourceVersion, versionBefore);
  });

  test('kubectl patch applies merge, strategic (conditions merged by type) and JSON patches', async () => {
    await kubectl.ok([
      'patch',
      'pod',
      'web-0',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"annotations":{"elector.io/term":"3"}}}',
    ]);
    const condition = (type: string, status: string): string =>
      JSON.stringify({ status: { conditions: [{ type, status }] } });
    for (const [type, status] of [
      ['Ready', 'False'],
      ['PodScheduled', 'True'],
      ['Ready', 'True'],
    ] as const) {
      await kubectl.ok([
        'patch',
        'pod',
        'web-0',
        '--subresource=status',
        '--type',
        'strategic',
        '-p',
        condition(type, status),
      ]);
    }
    const pod = server.get('pods', 'default', 'web-0');
    assert.deepEqual((pod?.status as JsonObject).conditions, [
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ]);
    assert.equal((metadataOf(pod).annotations as Record<string, string>)['elector.io/term'], '3');

    const failedTest = await kubectl.run([
      'patch',
      'pod',
      'web-0',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/metadata/annotations/elector.io~1term","value":"4"},{"op":"replace","path":"/metadata/annotations/elector.io~1term","value":"5"}]',
    ]);
    assert.notEqual(failedTest.code, 0);
    assert.match(
      failedTest.stderr,
      /the server rejected our request due to an error in our request/,
    );
    await kubectl.ok([
      'patch',
      'pod',
      'web-0',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/metadata/annotations/elector.io~1term","value":"3"},{"op":"replace","path":"/metadata/annotations/elector.io~1term","value":"4"}]',
    ]);
    assert.equal(
      (metadataOf(server.get('pods', 'default', 'web-0')).annotations as Record<string, string>)[
        'elector.io/term'
      ],
      '4',
    );
  });

  test('a pod patch cannot change status; only the status subresource can', async () => {
    const plain = await kubectl.ok([
      'patch',
      'pod',
      'web-0',
      '--type',
      'merge',
      '-p',
      '{"status":{"phase":"Running"}}',
    ]);
    assert.match(plain, /patched \(no change\)/);
    assert.equal(server.podPhase('default', 'web-0'), 'Pending');
    await kubectl.ok([
      'patch',
      'pod',
      'web-0',
      '--subresource=status',
      '--type',
      'merge',
      '-p',
      '{"status":{"phase":"Running"}}',
    ]);
    assert.equal(server.podPhase('default', 'web-0'), 'Running');
    server.setPodPhase('default', 'web-0', 'Failed');
    assert.match(await kubectl.ok(['get', 'pod', 'web-0']), /web-0\s+0\/1\s+Failed/);
  });

  test('kubectl apply creates every object of a multi-document manifest, and re-applying changes only what changed', async () => {
    const path = await writeManifest(directory, 'app.yaml', appManifest.replace('REPLICAS', '3'));
    const created = await kubectl.ok(['apply', '-f', path]);
    for (const line of [
      'serviceaccount/elector created',
      'role.rbac.authorization.k8s.io/elector created',
      'rolebinding.rbac.authorization.k8s.io/elector created',
      'configmap/elector-config created',
      'secret/elector-secret created',
      'service/elector created',
      'statefulset.apps/elector created',
      'poddisruptionbudget.policy/elector created',
    ]) {
      assert.ok(created.includes(line), `expected "${line}" in:\n${created}`);
    }
    const list = parseJson(
      await kubectl.ok(['get', 'sts,svc,sa,role,rolebinding,cm,secret,pdb', '-o', 'json']),
    );
    assert.deepEqual(
      itemsOf(list).map((item) => `${text(item.kind)}/${text(metadataOf(item).name)}`),
      [
        'StatefulSet/elector',
        'Service/elector',
        'ServiceAccount/elector',
        'Role/elector',
        'RoleBinding/elector',
        'ConfigMap/elector-config',
        'Secret/elector-secret',
        'PodDisruptionBudget/elector',
      ],
    );
    assert.deepEqual(server.get('secrets', 'default', 'elector-secret')?.data, {
      token: Buffer.from('hunter2').toString('base64'),
    });
    assert.match(
      text((server.get('services', 'default', 'elector')?.spec as JsonObject).clusterIP),
      /^10\.96\./,
    );

    const reapplied = await kubectl.ok(['apply', '-f', path]);
    assert.match(reapplied, /configmap\/elector-config unchanged/);
    assert.match(reapplied, /statefulset\.apps\/elector unchanged/);

    await writeManifest(directory, 'app.yaml', appManifest.replace('REPLICAS', '5'));
    assert.match(await kubectl.ok(['apply', '-f', path]), /statefulset\.apps\/elector configured/);
    const statefulSet = server.get('statefulsets.apps', 'default', 'elector');
    const spec = statefulSet?.spec as JsonObject;
    assert.equal(spec.replicas, 5);
    assert.equal(metadataOf(statefulSet).generation, 2);
    const containers = ((spec.template as JsonObject).spec as JsonObject)
      .containers as JsonObject[];
    assert.deepEqual(
      containers.map((container) => container.name),
      ['app', 'elector'],
    );
  });

  test('kubectl apply takes custom resources through JSON merge patches', async () => {
    const manifest = (interval: string): string => `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: elector
spec:
  selector:
    matchLabels:
      app: elector
  endpoints:
  - port: http
    interval: ${interval}
`;
    const path = await writeManifest(directory, 'monitor.yaml', manifest('30s'));
    assert.match(
      await kubectl.ok(['apply', '-f', path]),
      /servicemonitor\.monitoring\.coreos\.com\/elector created/,
    );
    server.clearRequests();
    await writeManifest(directory, 'monitor.yaml', manifest('10s'));
    assert.match(await kubectl.ok(['apply', '-f', path]), /configured/);
    const patches = server.requests().filter((request) => request.method === 'PATCH');
    assert.deepEqual(
      patches.map((request) => request.contentType),
      ['application/merge-patch+json'],
    );
    const strategic = await kubectl.run([
      'patch',
      'servicemonitor',
      'elector',
      '--type',
      'strategic',
      '-p',
      '{"spec":{}}',
    ]);
    assert.match(strategic.stderr, /UnsupportedMediaType|unknown format/);
  });

  test('kubectl get leases prints the holder, and a lease time without microseconds is a 400', async () => {
    server.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'elector', namespace: 'default' },
      spec: {
        holderIdentity: 'web-0',
        leaseDurationSeconds: 15,
        renewTime: '2024-01-01T00:00:00.000000Z',
      },
    });
    const [header = '', row = ''] = (await kubectl.ok(['get', 'leases'])).trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'HOLDER', 'AGE']);
    assert.match(row, /^elector\s+web-0\s+/);
    const bad = await kubectl.run([
      'patch',
      'lease',
      'elector',
      '--type',
      'merge',
      '-p',
      '{"spec":{"renewTime":"2024-01-01T00:00:00Z"}}',
    ]);
    assert.match(
      bad.stderr,
      /BadRequest.*Lease in version "v1" cannot be handled as a Lease: parsing time "2024-01-01T00:00:00Z"/s,
    );
  });

  test('kubectl delete removes the object and a later get is NotFound', async () => {
    assert.match(await kubectl.ok(['delete', 'pod', 'web-0']), /pod "web-0" deleted/);
    const missing = await kubectl.run(['get', 'pod', 'web-0']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "web-0" not found/);
    const again = await kubectl.run(['create', '-f', join(directory, 'pod.yaml')]);
    assert.equal(again.code, 0, again.stderr);
    const duplicate = await kubectl.run(['create', '-f', join(directory, 'pod.yaml')]);
    assert.match(
      duplicate.stderr,
      /Error from server \(AlreadyExists\).*pods "web-0" already exists/s,
    );
  });

  test('RBAC denies what the rules leave out with the real Forbidden message, and an unknown token is 401', async () => {
    server.setUser({
      token: 'reader-token',
      name: serviceAccountUserName('default', 'reader'),
      namespace: 'default',
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    });
    const reader = await kubectlFor(server, join(directory, 'reader'), { token: 'reader-token' });
    assert.match(await reader.ok(['get', 'pods']), /web-0/);
    const denied = await reader.run(['label', 'pod', 'web-0', 'x=y']);
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): pods "web-0" is forbidden: User "system:serviceaccount:default:reader" cannot patch resource "pods" in API group "" in the namespace "default"/,
    );
    const leases = await reader.run(['get', 'leases']);
    assert.match(
      leases.stderr,
      /leases\.coordination\.k8s\.io is forbidden: User "system:serviceaccount:default:reader" cannot list resource "leases" in API group "coordination\.k8s\.io" in the namespace "default"/,
    );
    const stranger = await kubectlFor(server, join(directory, 'stranger'), {
      token: 'wrong-token',
    });
    server.clearRequests();
    const unauthorized = await stranger.run(['get', 'pods']);
    // kubectl 1.32 fails in discovery and prints client-go's generic text for a 401.
    assert.match(unauthorized.stderr, /You must be logged in to the server/);
    const answered = server.requests();
    assert.ok(answered.length > 0 && answered.every((request) => request.status === 401));
    server.removeUser('reader-token');
  });

  test('kubectl fails while the server refuses connections and works again once it accepts them', async () => {
    await server.refuseConnections();
    const refused = await kubectl.run(['get', 'pods', '--request-timeout=5s']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /connection to the server 127\.0\.0\.1:\d+ was refused/);
    await server.acceptConnections();
    assert.match(await kubectl.ok(['get', 'pods']), /web-0/);
  });
});
