// The Lease backend from the chart: the rendered Role (Lease create, and get/update/watch on the
// one Lease name) is all the pods' service account may do, and with it three sidecar processes
// started with their pod environment agree on one Lease holder, whose pod the leader Service
// selects.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { chartDirectory, helmTemplate } from '../../../lab/helm.js';
import { waitFor } from '../../../lab/wait-for.js';
import { selectorText, withLogs } from './chart-facts.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from './cluster.js';
import { listOf, podSchema, serviceSchema, statefulSetSchema } from './objects.js';
import { startStatefulSetPods, type PodGroup } from './pod-runner.js';

const namespace = 'billing';

describe('the chart with the Kubernetes Lease backend, run as processes', () => {
  let cluster: TestCluster;
  let directory: string;
  let pods: PodGroup | undefined;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-lease-'));
    await cluster.createNamespace(namespace);
  });

  after(async () => {
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('three sidecars holding only the rendered Role elect one Lease holder, and the leader Service selects its pod', async () => {
    const rendered = await helmTemplate({
      chart: chartDirectory,
      release: 'invoices',
      namespace,
      values: { backend: 'kubernetes', election: 'invoices' },
    });
    await cluster.apply(namespace, rendered);
    const statefulSet = await cluster.get(statefulSetSchema, namespace, [
      'statefulset',
      'invoices-elector',
    ]);
    const leaderService = await cluster.get(serviceSchema, namespace, [
      'service',
      'invoices-elector',
    ]);
    pods = await startStatefulSetPods({ cluster, statefulSet, directory });
    const group = pods;
    assert.deepEqual(group.rewritten, ['ELECTOR_HTTP_PORT', 'ELECTOR_KUBECONFIG']);
    assert.equal(group.members[0]?.podEnv.ELECTOR_LEASE_NAME, 'elector-invoices');

    const leader = await withLogs(group.logs, () =>
      group.waitForAgreedLeader('one Lease holder among the three pods'),
    );
    const lease = await cluster.get(
      z.object({ spec: z.object({ holderIdentity: z.string() }) }),
      namespace,
      ['lease', 'elector-invoices'],
    );
    assert.equal(lease.spec.holderIdentity, leader.self);
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
