// StatefulSet mode end to end: helm renders, the real kubectl applies to the test apiserver, and
// three sidecar processes run with exactly the environment of the rendered pod spec (see
// pod-runner.ts for the loopback rewrites). They elect one leader, label its pod so the leader
// Service selects it alone, and on SIGTERM hand over and exit 0, as node does as PID 1.
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chartDirectory, helmTemplate } from '../../../lab/helm.js';
import { waitFor } from '../../../lab/wait-for.js';
import { electorVariables, selectorText, withLogs } from './chart-facts.js';
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

const namespace = 'shop';

const values = {
  workload: {
    image: { repository: 'nginxinc/nginx-unprivileged', tag: '1.27' },
    ports: [{ name: 'http', containerPort: 8080 }],
  },
  sidecar: {
    leaderFile: '/var/run/elector/leader.json',
    readinessCondition: { enabled: true, type: 'elector.io/leader' },
  },
};

describe('the chart in StatefulSet mode, applied with kubectl and run as processes', () => {
  let cluster: TestCluster;
  let directory: string;
  let statefulSet: StatefulSet;
  let leaderService: Service;
  let pods: PodGroup | undefined;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-statefulset-'));
    await cluster.createNamespace(namespace);
  });

  after(async () => {
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('kubectl applies every object helm renders and gets each back', async () => {
    const rendered = await helmTemplate({
      chart: chartDirectory,
      release: 'orders',
      namespace,
      values,
    });
    const created = await cluster.apply(namespace, rendered);
    assert.deepEqual(created.sort(), [
      'configmap/orders-elector-dashboard created',
      'pod/orders-elector-test-one-leader created',
      'poddisruptionbudget.policy/orders-elector created',
      'role.rbac.authorization.k8s.io/orders-elector created',
      'rolebinding.rbac.authorization.k8s.io/orders-elector created',
      'service/orders-elector created',
      'service/orders-elector-peers created',
      'serviceaccount/orders-elector created',
      'statefulset.apps/orders-elector created',
    ]);
    statefulSet = await cluster.get(statefulSetSchema, namespace, [
      'statefulset',
      'orders-elector',
    ]);
    leaderService = await cluster.get(serviceSchema, namespace, ['service', 'orders-elector']);
    const peers = await cluster.get(serviceSchema, namespace, ['service', 'orders-elector-peers']);
    assert.equal(peers.spec.clusterIP, 'None');
    assert.equal(peers.spec.publishNotReadyAddresses, true);
    assert.deepEqual(peers.spec.selector, statefulSet.spec.selector.matchLabels);
    assert.equal(statefulSet.spec.serviceName, 'orders-elector-peers');
    assert.equal(statefulSet.spec.podManagementPolicy, 'Parallel');
  });

  test('the pod template carries the election label, the workload and a sidecar configured only through known ELECTOR_* variables', async () => {
    const template = statefulSet.spec.template;
    assert.equal(template.metadata.labels?.['elector.io/election'], 'orders-elector');
    assert.ok(selects(statefulSet.spec.selector.matchLabels, template.metadata.labels ?? {}));
    const { 'elector.io/role': role, ...podSelector } = leaderService.spec.selector;
    assert.equal(role, 'leader');
    assert.ok(selects(podSelector, template.metadata.labels ?? {}));
    assert.equal(leaderService.spec.ports[0]?.targetPort, 'http');
    assert.deepEqual(
      template.spec.containers.map((container) => container.name),
      ['app', 'elector'],
    );
    const sidecar = template.spec.containers[1];
    const known = await electorVariables();
    const unknown = (sidecar?.env ?? [])
      .map((variable) => variable.name)
      .filter((name) => name.startsWith('ELECTOR_') && !known.has(name));
    assert.deepEqual(
      unknown,
      [],
      'every ELECTOR_* variable is one that `elector run --help` lists',
    );
    const fieldRefs = Object.fromEntries(
      (sidecar?.env ?? []).flatMap((variable) =>
        variable.valueFrom?.fieldRef === undefined
          ? []
          : [[variable.name, variable.valueFrom.fieldRef.fieldPath]],
      ),
    );
    assert.deepEqual(fieldRefs, {
      ELECTOR_ID: 'metadata.name',
      ELECTOR_POD_NAME: 'metadata.name',
      ELECTOR_NAMESPACE: 'metadata.namespace',
    });
    assert.deepEqual(template.spec.readinessGates, undefined);
  });

  test('three sidecars with the environment of the pod spec elect one leader, and kubectl shows it by label', async () => {
    pods = await startStatefulSetPods({ cluster, statefulSet, directory });
    const first = pods.members[0];
    assert.equal(first?.podEnv.ELECTOR_ID, 'orders-elector-0');
    assert.equal(first.podEnv.ELECTOR_NAMESPACE, namespace);
    assert.equal(
      first.podEnv.ELECTOR_MEMBERS,
      'orders-elector-0,orders-elector-1,orders-elector-2',
    );
    assert.equal(
      first.podEnv.ELECTOR_PEER_HOST_TEMPLATE,
      `{id}.orders-elector-peers.${namespace}.svc.cluster.local`,
    );
    assert.deepEqual(pods.rewritten, [
      'ELECTOR_HTTP_PORT',
      'ELECTOR_KUBECONFIG',
      'ELECTOR_LEADER_FILE',
      'ELECTOR_PEERS',
      'ELECTOR_PEER_HTTP_ADDRESSES',
      'ELECTOR_PEER_PORT',
      'ELECTOR_STATE_DIR',
    ]);

    const group = pods;
    const leader = await withLogs(group.logs, () =>
      group.waitForAgreedLeader('one leader among the three pods'),
    );
    const selector = selectorText(leaderService.spec.selector);
    const selected = await waitFor(
      async () => {
        const list = await cluster.get(listOf(podSchema), namespace, ['pods', '-l', selector]);
        const names = list.items.map((pod) => pod.metadata.name);
        return names.length === 1 && names[0] === leader.self ? names : undefined;
      },
      {
        timeoutMs: 30_000,
        what: `the leader Service's selector ${selector} to match ${leader.self} alone`,
      },
    );
    assert.deepEqual(selected, [leader.self]);

    const table = await cluster.kubectl.ok([
      'get',
      'pods',
      '--namespace',
      namespace,
      '-l',
      'elector.io/election=orders-elector',
      '-L',
      'elector.io/role',
    ]);
    const roles: Record<string, string> = Object.fromEntries(
      table
        .trim()
        .split('\n')
        .slice(1)
        .map((row): [string, string] => {
          const cells = row.split(/\s+/);
          return [cells[0] ?? '', cells.at(-1) ?? ''];
        }),
    );
    assert.deepEqual(
      roles,
      Object.fromEntries(
        pods.members.map((member) => [
          member.name,
          member.name === leader.self ? 'leader' : 'follower',
        ]),
      ),
    );

    const leaderFile = join(directory, leader.self, 'volumes', 'elector-leader', 'leader.json');
    const written = await waitFor(
      async () => {
        const body = JSON.parse(await readFile(leaderFile, 'utf8')) as {
          leader?: string;
          isSelf?: boolean;
        };
        return body.leader === leader.self && body.isSelf === true;
      },
      { timeoutMs: 30_000, what: `the leader file ${leaderFile} to name ${leader.self}` },
    );
    assert.ok(written);
  });

  test('SIGTERM makes the leader hand over and exit 0, and the leader Service then selects the new leader', async () => {
    const group = pods;
    assert.ok(group !== undefined);
    const before = await group.waitForAgreedLeader('a leader before SIGTERM');
    const child = group.member(before.self).child;
    assert.ok(child !== null);
    assert.equal(await child.kill('SIGTERM'), 0, group.logs());
    const after = await withLogs(group.logs, () =>
      group.waitForAgreedLeader('a new leader after SIGTERM', [before.self]),
    );
    assert.ok((after.fencingToken ?? 0) > (before.fencingToken ?? 0));
    const selector = selectorText(leaderService.spec.selector);
    await waitFor(
      async () => {
        const list = await cluster.get(listOf(podSchema), namespace, ['pods', '-l', selector]);
        const names = list.items.map((pod) => pod.metadata.name);
        return names.length === 1 && names[0] === after.self;
      },
      { timeoutMs: 30_000, what: `the leader Service's selector to match ${after.self} alone` },
    );
  });
});
