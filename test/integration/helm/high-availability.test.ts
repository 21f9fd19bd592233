// What the chart does for availability out of the box, read back through kubectl from the test
// apiserver: members spread over nodes (soft anti-affinity, hard as an option, spread constraints
// completed with the pods' selector), a PodDisruptionBudget for a Raft StatefulSet, and a render
// that is whitespace-clean and lints without a single info line, icon included.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { chartDirectory, helmLint, helmTemplate } from '../../../lab/helm.js';
import { startTestCluster, type TestCluster } from './cluster.js';
import { valueSets } from './value-sets.js';

const selector = { 'app.kubernetes.io/name': 'elector', 'app.kubernetes.io/instance': 'elector' };

const placementSchema = z.looseObject({
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        affinity: z.unknown().optional(),
        topologySpreadConstraints: z.unknown().optional(),
      }),
    }),
  }),
});
const pdbSchema = z.looseObject({ spec: z.looseObject({ maxUnavailable: z.unknown() }) });
const namesSchema = z.object({
  items: z.array(z.object({ metadata: z.object({ name: z.string() }) })),
});

describe('the chart spreads members, protects a quorum and renders cleanly', () => {
  let cluster: TestCluster;
  let namespaces = 0;

  /** Renders with `values`, applies into a fresh namespace, and returns that namespace. */
  async function install(values: Record<string, unknown>): Promise<string> {
    const namespace = `ha-${++namespaces}`;
    await cluster.createNamespace(namespace);
    await cluster.apply(
      namespace,
      await helmTemplate({ chart: chartDirectory, namespace, values }),
    );
    return namespace;
  }

  async function placement(values: Record<string, unknown>): Promise<{
    affinity: unknown;
    topologySpreadConstraints: unknown;
  }> {
    const namespace = await install(values);
    const statefulSet = await cluster.get(placementSchema, namespace, ['statefulset', 'elector']);
    const { affinity, topologySpreadConstraints } = statefulSet.spec.template.spec;
    return { affinity, topologySpreadConstraints };
  }

  async function budgets(values: Record<string, unknown>): Promise<unknown[]> {
    const namespace = await install(values);
    const names = await cluster.get(namesSchema, namespace, ['poddisruptionbudgets']);
    return Promise.all(
      names.items.map(
        async ({ metadata }) =>
          (await cluster.get(pdbSchema, namespace, ['poddisruptionbudget', metadata.name])).spec
            .maxUnavailable,
      ),
    );
  }

  before(async () => {
    cluster = await startTestCluster();
  });

  after(async () => {
    await cluster.close();
  });

  test('by default the members prefer different nodes; hard requires it, none drops it, and an own affinity replaces it', async () => {
    const term = {
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: selector },
    };
    assert.deepEqual((await placement({})).affinity, {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
      },
    });
    assert.deepEqual((await placement({ podAntiAffinity: { type: 'hard' } })).affinity, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
    });
    assert.equal((await placement({ podAntiAffinity: { type: 'none' } })).affinity, undefined);
    const own = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'pool', operator: 'In', values: ['ha'] }] },
          ],
        },
      },
    };
    assert.deepEqual((await placement({ affinity: own })).affinity, own);
  });

  test('topology spread constraints are a value; an entry without a labelSelector selects the release pods', async () => {
    const zone = {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
    };
    const own = {
      ...zone,
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: { tier: 'x' } },
    };
    assert.equal((await placement({})).topologySpreadConstraints, undefined);
    assert.deepEqual(
      (await placement({ topologySpreadConstraints: [zone, own] })).topologySpreadConstraints,
      [{ ...zone, labelSelector: { matchLabels: selector } }, own],
    );
  });

  test('a Raft StatefulSet gets a PodDisruptionBudget of maxUnavailable 1 by default; other backends and include mode only when asked', async () => {
    assert.deepEqual(await budgets({}), [1]);
    assert.deepEqual(await budgets({ podDisruptionBudget: { enabled: false } }), []);
    const etcd = { backend: 'etcd', etcd: { endpoints: ['etcd:2379'] } };
    assert.deepEqual(await budgets(etcd), []);
    assert.deepEqual(await budgets({ ...etcd, podDisruptionBudget: { enabled: true } }), [1]);
    const include = {
      mode: 'include',
      include: { statefulSetName: 'web', podSelector: { 'app.kubernetes.io/name': 'web' } },
    };
    assert.deepEqual(await budgets(include), []);
  });

  test('every value set renders without a blank line or trailing space, and helm lint --strict prints no info or warning line', async () => {
    for (const set of valueSets) {
      const valuesFiles = set.file === null ? [] : [join(chartDirectory, 'ci', set.file)];
      const rendered = await helmTemplate({
        chart: chartDirectory,
        valuesFiles,
        values: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
      });
      const lines = rendered.split('\n').slice(0, -1);
      const unclean = lines.flatMap((line, index) =>
        line.trim() === '' || /\s$/.test(line)
          ? [`${set.name}, line ${index + 1}: ${JSON.stringify(line)}`]
          : [],
      );
      assert.deepEqual(unclean, []);
      const lint = await helmLint(chartDirectory, { valuesFiles });
      assert.equal(lint.code, 0, lint.stdout);
      assert.deepEqual(
        lint.stdout.split('\n').filter((line) => /^\[(INFO|WARNING|ERROR)\]/.test(line)),
        [],
        `${set.name}: ${lint.stdout}`,
      );
    }
  });

  test("Chart.yaml's icon is charts/elector/icon.svg inlined", async () => {
    const chart = await readFile(join(chartDirectory, 'Chart.yaml'), 'utf8');
    const icon = /^icon: data:image\/svg\+xml;base64,(\S+)$/m.exec(chart)?.[1];
    const svg = await readFile(join(chartDirectory, 'icon.svg'));
    assert.equal(icon, svg.toString('base64'));
  });
});
