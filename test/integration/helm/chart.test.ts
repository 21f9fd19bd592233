// The chart under the real helm v4: lint and template for every backend and both modes, the
// rendered objects applied with the real kubectl to the test apiserver and read back, the least
// RBAC each setting needs, the cluster secret kept across renders, and the monitoring objects.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { chartDirectory, helmLint, helmTemplate } from '../../../lab/helm.js';
import { electorVariables } from './chart-facts.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from './cluster.js';
import {
  listOf,
  roleSchema,
  selects,
  serviceSchema,
  statefulSetSchema,
  type Container,
} from './objects.js';
import { valueSets } from './value-sets.js';

const itemSchema = z.looseObject({
  kind: z.string(),
  apiVersion: z.string(),
  metadata: z.looseObject({ name: z.string() }),
});

/** "statefulset.apps/elector" for an object as kubectl names it. */
function kubectlName(item: z.infer<typeof itemSchema>): string {
  const group = item.apiVersion.includes('/') ? `.${item.apiVersion.split('/')[0] ?? ''}` : '';
  return `${item.kind.toLowerCase()}${group}/${item.metadata.name}`;
}

/** Every path the sidecar is told to read or write lies on one of its volume mounts. */
function unmountedPaths(container: Container): string[] {
  const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
  return (container.env ?? [])
    .filter((variable) => /_(FILE|DIR)$/.test(variable.name) && variable.value !== undefined)
    .filter(
      (variable) =>
        !mounts.some(
          (mount) => (variable.value ?? '').startsWith(`${mount}/`) || variable.value === mount,
        ),
    )
    .map((variable) => `${variable.name}=${variable.value ?? ''}`);
}

describe('the chart under helm lint, helm template and kubectl apply', () => {
  let cluster: TestCluster;
  let knownVariables: ReadonlySet<string>;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    knownVariables = await electorVariables();
  });

  after(async () => {
    await cluster.close();
  });

  for (const set of valueSets) {
    test(`${set.name}: helm lint passes, and kubectl applies and returns every rendered object`, async () => {
      const valuesFiles = set.file === null ? [] : [join(chartDirectory, 'ci', set.file)];
      const lint = await helmLint(chartDirectory, { valuesFiles });
      assert.equal(lint.code, 0, `${lint.stdout}\n${lint.stderr}`);
      assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);

      const rendered = await helmTemplate({
        chart: chartDirectory,
        namespace: set.namespace,
        valuesFiles,
      });
      await cluster.createNamespace(set.namespace);
      const created = await cluster.apply(set.namespace, rendered);
      assert.deepEqual(
        created.sort(),
        set.objects.map((object) => `${object} created`),
      );
      const back = await cluster.get(listOf(itemSchema), set.namespace, set.objects);
      assert.deepEqual(back.items.map(kubectlName).sort(), [...set.objects]);

      const role = await cluster.get(roleSchema, set.namespace, ['role', 'elector']);
      assert.deepEqual(role.rules, set.rules, 'the Role grants exactly what the settings need');

      const peers = await cluster.get(serviceSchema, set.namespace, ['service', 'elector-peers']);
      const leader = await cluster.get(serviceSchema, set.namespace, ['service', 'elector']);
      assert.equal(peers.spec.clusterIP, 'None');
      assert.equal(peers.spec.publishNotReadyAddresses, true);
      assert.deepEqual(leader.spec.selector, {
        ...peers.spec.selector,
        'elector.io/role': 'leader',
      });
      if (set.file === 'include-values.yaml') {
        assert.deepEqual(peers.spec.selector, { 'app.kubernetes.io/name': 'web' });
        return;
      }

      const statefulSet = await cluster.get(statefulSetSchema, set.namespace, [
        'statefulset',
        'elector',
      ]);
      const template = statefulSet.spec.template;
      assert.ok(selects(peers.spec.selector, template.metadata.labels ?? {}));
      const sidecar = template.spec.containers.find((container) => container.name === 'elector');
      assert.ok(sidecar !== undefined);
      const env = Object.fromEntries(
        (sidecar.env ?? []).flatMap((variable) =>
          variable.value === undefined ? [] : [[variable.name, variable.value]],
        ),
      );
      for (const [name, value] of Object.entries(set.env)) {
        assert.equal(env[name], value, `${name} in the sidecar's environment`);
      }
      const unknown = Object.keys(env).filter(
        (name) => name.startsWith('ELECTOR_') && !knownVariables.has(name),
      );
      assert.deepEqual(unknown, [], 'only variables that `elector run --help` lists');
      assert.deepEqual(unmountedPaths(sidecar), [], 'every file the sidecar reads is mounted');
      const mountedSecrets = (template.spec.volumes ?? []).flatMap((volume) =>
        volume.secret === undefined ? [] : [volume.secret.secretName],
      );
      for (const secret of mountedSecrets.filter((name) => name === 'elector-cluster-secret')) {
        assert.ok(cluster.server.get('secrets', set.namespace, secret) !== undefined);
      }
    });
  }

  test('a re-render never changes a secret: helm template twice gives the same output, with no generated value in it', async () => {
    // helm template, an Argo CD sync and --dry-run all render without the cluster (lookup finds
    // nothing there); whatever they apply must leave the cluster secret and resign token alone.
    for (const set of valueSets) {
      const valuesFiles = set.file === null ? [] : [join(chartDirectory, 'ci', set.file)];
      const render = (): Promise<string> =>
        helmTemplate({ chart: chartDirectory, namespace: set.namespace, valuesFiles });
      const first = await render();
      assert.equal(await render(), first, `${set.name}: two renders differ`);
      assert.doesNotMatch(first, /^kind: Secret$/m, `${set.name}: no Secret is rendered`);
    }
  });

  test('image.digest pulls the sidecar image by digest instead of by tag', async () => {
    const digest = `sha256:${'a1'.repeat(32)}`;
    const rendered = await helmTemplate({
      chart: chartDirectory,
      namespace: 'digest',
      values: { image: { repository: 'registry.example/elector', digest } },
    });
    assert.match(rendered, new RegExp(`image: "registry\\.example/elector@${digest}"`));
    assert.doesNotMatch(rendered, /registry\.example\/elector:/);
  });

  test('the optional NetworkPolicy admits the peer port only from the election pods and the HTTP API from the namespace or the given peers', async () => {
    const policyOf = async (values: Readonly<Record<string, unknown>>): Promise<string> =>
      helmTemplate({
        chart: chartDirectory,
        namespace: 'netpol',
        values,
        extraArgs: ['--show-only', 'templates/networkpolicy.yaml'],
      });
    const off = await helmTemplate({ chart: chartDirectory, namespace: 'netpol' });
    assert.doesNotMatch(off, /kind: NetworkPolicy/, 'off by default');
    const namespaceWide = await policyOf({ networkPolicy: { enabled: true } });
    // The test apiserver serves no networking.k8s.io; the rendered text is checked instead.
    const electionPods =
      'matchLabels:\n\\s+app.kubernetes.io/name: elector\n\\s+app.kubernetes.io/instance: elector';
    assert.match(namespaceWide, new RegExp(`spec:\n\\s+podSelector:\n\\s+${electionPods}`));
    assert.match(
      namespaceWide,
      new RegExp(`- from:\n\\s+- podSelector:\n\\s+${electionPods}\n\\s+ports:\n\\s+- port: 7946`),
      'the peer port only from the election pods',
    );
    assert.match(
      namespaceWide,
      /- from:\n\s+- podSelector: \{\}\n\s+ports:\n\s+- port: 4040/,
      'the HTTP API from any pod of the namespace',
    );
    assert.equal(namespaceWide.match(/- from:/g)?.length, 2, 'nothing else is admitted');
    const selected = await policyOf({
      networkPolicy: {
        enabled: true,
        httpFrom: [{ podSelector: { matchLabels: { app: 'ops' } } }],
        extraIngress: [{ ports: [{ port: 8080 }] }],
      },
    });
    assert.match(
      selected,
      /- podSelector:\n\s+matchLabels:\n\s+app: ops\n\s+ports:\n\s+- port: 4040/,
    );
    assert.match(selected, /- ports:\n\s+- port: 8080/);
    assert.doesNotMatch(selected, /podSelector: \{\}/, 'the namespace-wide rule is replaced');
  });

  test('the Grafana dashboard ConfigMap carries the shipped dashboard with the sidecar label', async () => {
    const configMap = await cluster.get(
      z.object({
        metadata: z.object({ labels: z.record(z.string(), z.string()) }),
        data: z.record(z.string(), z.string()),
      }),
      'defaults',
      ['configmap', 'elector-dashboard'],
    );
    assert.equal(configMap.metadata.labels.grafana_dashboard, '1');
    const shipped = await readFile(join(chartDirectory, 'files', 'elector-dashboard.json'), 'utf8');
    assert.equal(configMap.data['elector.json'], shipped.trimEnd());
  });

  test('the ServiceMonitor scrapes /metrics through the peers Service, and the PDB selects the pods', async () => {
    const monitor = await cluster.get(
      z.object({
        spec: z.object({
          selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
          endpoints: z.array(z.object({ port: z.string(), path: z.string() })),
        }),
      }),
      'raft',
      ['servicemonitor', 'elector'],
    );
    const peers = await cluster.get(
      z
        .object({ metadata: z.object({ labels: z.record(z.string(), z.string()) }) })
        .and(serviceSchema),
      'raft',
      ['service', 'elector-peers'],
    );
    assert.ok(selects(monitor.spec.selector.matchLabels, peers.metadata.labels));
    assert.deepEqual(monitor.spec.endpoints, [{ port: 'elector-http', path: '/metrics' }]);
    assert.ok(peers.spec.ports.some((port) => port.name === 'elector-http'));

    const budget = await cluster.get(
      z.object({
        spec: z.object({
          maxUnavailable: z.number(),
          selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
        }),
      }),
      'raft',
      ['pdb', 'elector'],
    );
    const statefulSet = await cluster.get(statefulSetSchema, 'raft', ['statefulset', 'elector']);
    assert.equal(budget.spec.maxUnavailable, 1);
    assert.ok(
      selects(budget.spec.selector.matchLabels, statefulSet.spec.template.metadata.labels ?? {}),
    );
    assert.deepEqual(statefulSet.spec.template.spec.readinessGates, [
      { conditionType: 'elector.io/leader' },
    ]);
  });
});
