// manifests/ is generated from the chart (scripts/render-manifests.ts) and checked in: it must
// match a fresh render, and it must apply with plain kubectl once the cluster secret exists.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  manifestsDirectory,
  plainClusterSecretName,
  staleManifests,
} from '../../../scripts/render-manifests.js';
import { startTestCluster, type TestCluster } from './cluster.js';

describe('the plain manifests in manifests/', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await startTestCluster();
  });

  after(async () => {
    await cluster.close();
  });

  test('manifests/ matches a fresh render of the chart (else run: node --import tsx scripts/render-manifests.ts)', async () => {
    assert.deepEqual(
      await staleManifests(),
      [],
      'manifests/ is out of date; run: node --import tsx scripts/render-manifests.ts',
    );
  });

  test('kubectl applies manifests/elector.yaml and monitoring.yaml once the cluster secret exists', async () => {
    assert.deepEqual(
      await cluster.apply(
        'default',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${plainClusterSecretName}\nstringData:\n  cluster-secret: ${'s'.repeat(32)}\n`,
      ),
      [`secret/${plainClusterSecretName} created`],
    );
    const elector = await readFile(join(manifestsDirectory, 'elector.yaml'), 'utf8');
    assert.doesNotMatch(elector, /^kind: Secret$/m, 'no secret is checked in');
    assert.deepEqual((await cluster.apply('default', elector)).sort(), [
      'configmap/elector-dashboard created',
      'poddisruptionbudget.policy/elector created',
      'role.rbac.authorization.k8s.io/elector created',
      'rolebinding.rbac.authorization.k8s.io/elector created',
      'service/elector created',
      'service/elector-peers created',
      'serviceaccount/elector created',
      'statefulset.apps/elector created',
    ]);
    const monitoring = await readFile(join(manifestsDirectory, 'monitoring.yaml'), 'utf8');
    assert.deepEqual((await cluster.apply('default', monitoring)).sort(), [
      'prometheusrule.monitoring.coreos.com/elector created',
      'servicemonitor.monitoring.coreos.com/elector created',
    ]);
  });
});
