// Least privilege (issue 19): only the sidecar container holds the service account token (the
// pod turns the automatic mount off and the sidecar mounts a projected token), and in StatefulSet
// mode the Role lets it patch only the election's own pods. Rendered by helm, applied by the real
// kubectl to the test apiserver (which enforces RBAC rules with resourceNames as the real one
// does), and run as processes with exactly the rights the rendered RoleBinding grants.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chartDirectory, helmTemplate } from '../../../lab/helm.js';
import { waitFor } from '../../../lab/wait-for.js';
import { kubectlFor } from '../kube-apiserver/kubectl.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from './cluster.js';
import { listOf, podSchema, roleSchema, statefulSetSchema, type StatefulSet } from './objects.js';
import { hasServiceAccountToken, startStatefulSetPods, type PodGroup } from './pod-runner.js';

const namespace = 'shop';
const workload = {
  image: { repository: 'nginxinc/nginx-unprivileged', tag: '1.27' },
  ports: [{ name: 'http', containerPort: 8080 }],
};

/** The StatefulSet helm renders with `values`, as kubectl applies it in its own namespace. */
async function appliedStatefulSet(
  cluster: TestCluster,
  target: string,
  values: Readonly<Record<string, unknown>>,
): Promise<StatefulSet> {
  await cluster.createNamespace(target);
  const rendered = await helmTemplate({
    chart: chartDirectory,
    release: 'orders',
    namespace: target,
    values,
  });
  await cluster.apply(target, rendered);
  return cluster.get(statefulSetSchema, target, ['statefulset', 'orders-elector']);
}

function containerOf(statefulSet: StatefulSet, name: string) {
  const container = statefulSet.spec.template.spec.containers.find((entry) => entry.name === name);
  assert.ok(container, `the pod template has a ${name} container`);
  return container;
}

describe('least privilege: the token only in the sidecar, pod patches only on the election pods', () => {
  let cluster: TestCluster;
  let directory: string;
  let pods: PodGroup | undefined;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-least-privilege-'));
    await cluster.createNamespace(namespace);
  });

  after(async () => {
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('the workload container gets no service account token unless asked; the sidecar always has one', async () => {
    const statefulSet = await appliedStatefulSet(cluster, 'render-default', { workload });
    const podSpec = statefulSet.spec.template.spec;
    assert.equal(podSpec.automountServiceAccountToken, false);
    assert.equal(hasServiceAccountToken(podSpec, containerOf(statefulSet, 'app')), false);
    assert.equal(hasServiceAccountToken(podSpec, containerOf(statefulSet, 'elector')), true);

    const asked = await appliedStatefulSet(cluster, 'render-asked', {
      workload: { ...workload, serviceAccountToken: true },
    });
    assert.equal(hasServiceAccountToken(asked.spec.template.spec, containerOf(asked, 'app')), true);
  });

  test('the sidecars run with the projected token, and are refused (403) when they patch a pod outside the election', async () => {
    const rendered = await helmTemplate({
      chart: chartDirectory,
      release: 'orders',
      namespace,
      values: { workload },
    });
    await cluster.apply(namespace, rendered);
    const role = await cluster.get(roleSchema, namespace, ['role', 'orders-elector']);
    const patchRules = role.rules.filter(
      (rule) => rule.resources.includes('pods') && rule.verbs.includes('patch'),
    );
    assert.deepEqual(
      patchRules.map((rule) => rule.resourceNames),
      [['orders-elector-0', 'orders-elector-1', 'orders-elector-2']],
    );
    const statefulSet = await cluster.get(statefulSetSchema, namespace, [
      'statefulset',
      'orders-elector',
    ]);
    pods = await startStatefulSetPods({ cluster, statefulSet, directory });
    await pods.waitForAgreedLeader('one leader among the three sidecars');
    await waitFor(
      async () => {
        const list = await cluster.get(listOf(podSchema), namespace, [
          'pods',
          '-l',
          'elector.io/role=leader',
        ]);
        return list.items.length === 1 ? list.items : undefined;
      },
      { timeoutMs: 30_000, what: 'the leader to label its own pod with its projected token' },
    );

    cluster.server.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'payments-0', namespace, labels: { app: 'payments' } },
      spec: { containers: [{ name: 'payments', image: 'payments:1' }] },
    });
    const kubeconfig = pods.members[0]?.env.ELECTOR_KUBECONFIG;
    assert.ok(kubeconfig !== undefined, 'the sidecar got credentials');
    const token = /"?token"?:\s*"?([^"\s,}]+)/.exec(await readFile(kubeconfig, 'utf8'))?.[1];
    assert.ok(token !== undefined, 'the sidecar kubeconfig carries a token');
    const asSidecar = await kubectlFor(cluster.server, join(directory, 'as-sidecar'), {
      token,
      namespace,
    });
    const hijack = await asSidecar.run([
      'label',
      'pod',
      'payments-0',
      'elector.io/role=leader',
      '--overwrite',
    ]);
    assert.notEqual(hijack.code, 0, 'labelling a pod of another workload is refused');
    assert.match(
      hijack.stderr,
      /Forbidden.*cannot patch resource "pods"/s,
      `kubectl's error: ${hijack.stderr}`,
    );
    const own = await asSidecar.run([
      'label',
      'pod',
      'orders-elector-1',
      'elector.io/probe=allowed',
      '--overwrite',
    ]);
    assert.equal(own.code, 0, `patching an election pod is allowed: ${own.stderr}`);
  });
});
