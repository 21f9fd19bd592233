// Include mode as a user's chart would use it: fixtures/web-chart depends on charts/elector
// (helm dependency build), adds the sidecar to its own StatefulSet with the named templates,
// and its pods, run as processes with their rendered environment, elect a leader.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chartDirectory, helmLint, helmOk, helmTemplate } from '../../../lab/helm.js';
import { waitFor } from '../../../lab/wait-for.js';
import { selectorText, withLogs } from './chart-facts.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from './cluster.js';
import {
  listOf,
  podSchema,
  selects,
  serviceSchema,
  statefulSetSchema,
  type Service,
  type StatefulSet,
} from './objects.js';
import { startStatefulSetPods, type PodGroup } from './pod-runner.js';

const fixture = new URL('./fixtures/web-chart/', import.meta.url);
const namespace = 'storefront';

describe('a parent chart that includes the sidecar through the named templates', () => {
  let cluster: TestCluster;
  let directory: string;
  let parentChart: string;
  let statefulSet: StatefulSet;
  let leaderService: Service;
  let pods: PodGroup | undefined;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-include-'));
    parentChart = join(directory, 'web-chart');
    await cp(fixture, parentChart, { recursive: true });
    // The fixture's relative file:// dependency, made absolute for the copy.
    const chartYaml = join(parentChart, 'Chart.yaml');
    const text = await readFile(chartYaml, 'utf8');
    await writeFile(
      chartYaml,
      text.replace(/repository: file:\/\/\S+/, `repository: ${pathToFileURL(chartDirectory).href}`),
    );
    await cluster.createNamespace(namespace);
  });

  after(async () => {
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('helm dependency build fetches the elector chart, and the parent lints and renders', async () => {
    await helmOk(['dependency', 'build', parentChart]);
    const lint = await helmLint(parentChart);
    assert.equal(lint.code, 0, `${lint.stdout}\n${lint.stderr}`);
    const rendered = await helmTemplate({ chart: parentChart, release: 'shop', namespace });
    const created = await cluster.apply(namespace, rendered);
    assert.deepEqual(created.sort(), [
      'configmap/shop-elector-dashboard created',
      'pod/shop-elector-test-one-leader created',
      'role.rbac.authorization.k8s.io/shop-elector created',
      'rolebinding.rbac.authorization.k8s.io/shop-elector created',
      'service/shop-elector created',
      'service/shop-elector-peers created',
      'serviceaccount/shop-elector created',
      'statefulset.apps/web created',
    ]);
    statefulSet = await cluster.get(statefulSetSchema, namespace, ['statefulset', 'web']);
    leaderService = await cluster.get(serviceSchema, namespace, ['service', 'shop-elector']);
  });

  test("the parent's pods get the sidecar, its volumes, its labels and its service account from the subchart", () => {
    const template = statefulSet.spec.template;
    assert.deepEqual(
      template.spec.containers.map((container) => container.name),
      ['web', 'elector'],
    );
    assert.equal(statefulSet.spec.serviceName, 'shop-elector-peers');
    assert.equal(template.spec.serviceAccountName, 'shop-elector');
    assert.equal(template.metadata.labels?.['elector.io/election'], 'shop-elector');
    const { 'elector.io/role': role, ...podSelector } = leaderService.spec.selector;
    assert.equal(role, 'leader');
    assert.ok(selects(podSelector, template.metadata.labels ?? {}));
    assert.equal(leaderService.spec.ports[0]?.targetPort, 'http');
    const sidecar = template.spec.containers.find((container) => container.name === 'elector');
    assert.equal(
      sidecar?.env?.find((variable) => variable.name === 'ELECTOR_CLUSTER_SECRET_NAME')?.value,
      'shop-elector-cluster-secret',
      'the first sidecar creates the cluster secret; no render makes one',
    );
    assert.ok(
      template.spec.volumes?.some((volume) => volume.name === 'elector-kube-api-access'),
      "the sidecar's projected token comes with the subchart's volumes",
    );
    assert.deepEqual(
      statefulSet.spec.volumeClaimTemplates?.map((claim) => claim.metadata.name),
      ['elector-state'],
    );
  });

  test('three web pods run the included sidecar with their pod environment and elect a leader the leader Service selects', async () => {
    pods = await startStatefulSetPods({ cluster, statefulSet, directory });
    const group = pods;
    assert.equal(group.members[0]?.podEnv.ELECTOR_MEMBERS, 'web-0,web-1,web-2');
    const leader = await withLogs(group.logs, () =>
      group.waitForAgreedLeader('one leader among the web pods'),
    );
    const selector = selectorText(leaderService.spec.selector);
    await withLogs(group.logs, () =>
      waitFor(
        async () => {
          const list = await cluster.get(listOf(podSchema), namespace, ['pods', '-l', selector]);
          const names = list.items.map((pod) => pod.metadata.name);
          return names.length === 1 && names[0] === leader.self;
        },
        { timeoutMs: 30_000, what: `${selector} to select ${leader.self} alone` },
      ),
    );
  });
});
