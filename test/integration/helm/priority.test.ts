// The chart's priority values, rendered by the real helm, applied with kubectl to the test
// apiserver and read back: a static sidecar.priority.value for every member, or each pod's
// priority from its own label through the downward API (so a rolling upgrade's new pods, or a
// zone's StatefulSet, can carry a higher one), and the handover delay. The environment is then
// resolved as the kubelet would and read by elector's own config loader.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chartDirectory, helmTemplate, tryHelmTemplate } from '../../../lab/helm.js';
import { loadConfig } from '../../../src/config/load.js';
import { maximumPriority } from '../../../src/config/options/general.js';
import { startTestCluster, type TestCluster } from './cluster.js';
import { statefulSetSchema, type EnvVar, type StatefulSet } from './objects.js';
import { resolveEnv } from './pod-env.js';

describe('the chart sets each member’s priority', () => {
  let cluster: TestCluster;
  let namespaces = 0;

  before(async () => {
    cluster = await startTestCluster();
  });

  after(async () => {
    await cluster.close();
  });

  /** Renders with `values`, applies into a fresh namespace, and reads the StatefulSet back. */
  async function installed(values: Record<string, unknown>): Promise<StatefulSet> {
    const namespace = `priority-${++namespaces}`;
    await cluster.createNamespace(namespace);
    await cluster.apply(
      namespace,
      await helmTemplate({ chart: chartDirectory, release: 'orders', namespace, values }),
    );
    return cluster.get(statefulSetSchema, namespace, ['statefulset', 'orders-elector']);
  }

  function sidecarEnv(statefulSet: StatefulSet): readonly EnvVar[] {
    const sidecar = statefulSet.spec.template.spec.containers.find(
      (container) => container.name === 'elector',
    );
    assert.ok(sidecar !== undefined, 'the pod has an elector container');
    return sidecar.env ?? [];
  }

  /** The config elector would load in a pod of `statefulSet` whose labels are `labels`. */
  function configIn(statefulSet: StatefulSet, labels: Readonly<Record<string, string>>) {
    const env = resolveEnv(
      sidecarEnv(statefulSet),
      {
        name: 'orders-elector-0',
        namespace: 'shop',
        serviceAccountName: 'x',
        podIp: '10.0.0.7',
        labels,
      },
      () => 'a-cluster-secret-of-enough-length',
      new Map(),
    );
    return loadConfig([], env);
  }

  test('by default every member has priority 0 and the 10 s handover delay', async () => {
    const config = configIn(await installed({}), {});
    assert.equal(config.priority, 0);
    assert.equal(config.priorityHandoverDelayMs, 10_000);
  });

  test('sidecar.priority.value gives every member that priority, large values written whole', async () => {
    const statefulSet = await installed({
      sidecar: { priority: { value: maximumPriority, handoverDelay: '1500ms' } },
    });
    assert.deepEqual(
      sidecarEnv(statefulSet).filter(({ name }) => name.startsWith('ELECTOR_PRIORITY')),
      [
        { name: 'ELECTOR_PRIORITY', value: String(maximumPriority) },
        { name: 'ELECTOR_PRIORITY_HANDOVER_DELAY', value: '1500ms' },
      ],
    );
    const config = configIn(statefulSet, {});
    assert.equal(config.priority, maximumPriority);
    assert.equal(config.priorityHandoverDelayMs, 1_500);
  });

  test('sidecar.priority.fromPodLabel reads each pod’s priority from its label, 0 without it', async () => {
    const statefulSet = await installed({
      podLabels: { 'elector.io/priority': '200' },
      sidecar: { priority: { fromPodLabel: 'elector.io/priority' } },
    });
    assert.deepEqual(
      sidecarEnv(statefulSet).find(({ name }) => name === 'ELECTOR_PRIORITY'),
      {
        name: 'ELECTOR_PRIORITY',
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['elector.io/priority']" } },
      },
    );
    const templateLabels = statefulSet.spec.template.metadata.labels ?? {};
    assert.equal(templateLabels['elector.io/priority'], '200');
    assert.equal(configIn(statefulSet, templateLabels).priority, 200);
    assert.equal(configIn(statefulSet, { 'elector.io/priority': '7' }).priority, 7);
    assert.equal(configIn(statefulSet, {}).priority, 0);
  });

  test('a value and a pod label together, or a priority out of range, are refused by name', async () => {
    const both = await tryHelmTemplate({
      chart: chartDirectory,
      values: { sidecar: { priority: { value: 5, fromPodLabel: 'elector.io/priority' } } },
    });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /sidecar\.priority: set value or fromPodLabel, not both/);
    const tooHigh = await tryHelmTemplate({
      chart: chartDirectory,
      values: { sidecar: { priority: { value: maximumPriority + 1 } } },
    });
    assert.notEqual(tooHigh.code, 0);
    assert.match(tooHigh.stderr, /at '\/sidecar\/priority\/value': maximum/);
    const badLabel = await tryHelmTemplate({
      chart: chartDirectory,
      values: { sidecar: { priority: { fromPodLabel: "x']" } } },
    });
    assert.notEqual(badLabel.code, 0);
    assert.match(badLabel.stderr, /at '\/sidecar\/priority\/fromPodLabel'/);
  });
});
