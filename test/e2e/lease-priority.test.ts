// Priority preemption with the built CLI on the Lease backend (docs/handover.md, "Priority on the
// Lease"): a member of higher --priority that joins a running election leads only after
// --priority-handover-delay, with a higher fencing token, and keeps leading.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startKubeApiServer } from '../../lab/kube-apiserver/index.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';

const windowMs = 3000;

describe('priority preemption with the CLI on the Lease backend', async () => {
  const apiserver = await startKubeApiServer();
  const directory = await mkdtemp(join(tmpdir(), 'elector-e2e-priority-'));
  const kubeconfig = join(directory, 'kubeconfig');
  await apiserver.writeKubeconfig(kubeconfig, { namespace: 'default' });
  const cluster = await SidecarCluster.start({
    size: 1,
    pool: 2,
    backend: 'kubernetes',
    env: {
      ELECTOR_KUBECONFIG: kubeconfig,
      ELECTOR_NAMESPACE: 'default',
      ELECTOR_POD_LABELS: 'false',
      ELECTOR_LEASE_DURATION: '1500ms',
      ELECTOR_LEASE_RENEW_DEADLINE: '1s',
      ELECTOR_LEASE_RETRY_PERIOD: '200ms',
      ELECTOR_PRIORITY: '1',
      ELECTOR_PRIORITY_HANDOVER_DELAY: `${windowMs}ms`,
    },
  });
  after(async () => {
    await cluster.stop();
    await apiserver.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('a higher priority takes over after the window, not within it, with a higher token', async () => {
    const first = await cluster.waitForAgreedLeader('member-0 to lead alone');
    assert.equal(first.self, 'member-0', cluster.logs());

    const high = cluster.member('member-1');
    high.extraEnv = { ELECTOR_PRIORITY: '9' };
    const startedAtMs = Date.now();
    cluster.startMember('member-1');
    const next = await cluster.waitForAgreedLeader('member-1 to take over', 30_000, ['member-0']);
    const elapsedMs = Date.now() - startedAtMs;
    assert.equal(next.self, 'member-1', cluster.logs());
    assert.ok(elapsedMs >= windowMs, `took over ${elapsedMs} ms after it started`);
    assert.ok((next.fencingToken ?? 0) > (first.fencingToken ?? 0), 'a higher fencing token');
    assert.match(high.child?.output() ?? '', /"event":"lease.preemption.requested"/);
    assert.match(cluster.member('member-0').child?.output() ?? '', /"event":"lease.handed-over"/);
  });
});
