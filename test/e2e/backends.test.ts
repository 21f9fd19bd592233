import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startEtcd } from '../../lab/etcd-server.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';
import { startZooKeeper } from '../../lab/zookeeper-server.js';

async function checkElection(cluster: SidecarCluster, backend: string): Promise<void> {
  const first = await cluster.waitForAgreedLeader(`one ${backend} leader among 3 sidecars`, 20_000);
  assert.equal(first.backend, backend);
  assert.equal(await cluster.stopMember(first.self, 'SIGTERM'), 0);
  const second = await cluster.waitForAgreedLeader('a leader after SIGTERM', 20_000, [first.self]);
  assert.ok((second.fencingToken ?? 0) > (first.fencingToken ?? 0), 'the fencing token grows');
  cluster.startMember(first.self);
  await cluster.stopMember(second.self, 'SIGKILL');
  const third = await cluster.waitForAgreedLeader('a leader after kill -9', 20_000, [second.self]);
  assert.ok((third.fencingToken ?? 0) > (second.fencingToken ?? 0));
}

describe('the CLI on the etcd backend', async () => {
  const etcd = await startEtcd({ members: 1 });
  const cluster = await SidecarCluster.start({
    size: 3,
    backend: 'etcd',
    env: { ELECTOR_ETCD_ENDPOINTS: etcd.endpoints.join(','), ELECTOR_ETCD_LEASE_TTL: '2s' },
  });
  after(async () => {
    await cluster.stop();
    await etcd.stop();
  });
  test('elects one leader, hands over on SIGTERM and recovers from kill -9 after the lease', async () => {
    await checkElection(cluster, 'etcd');
  });
});

describe('the CLI on the ZooKeeper backend', async () => {
  const zookeeper = await startZooKeeper({ size: 1, tickTimeMs: 200 });
  const cluster = await SidecarCluster.start({
    size: 3,
    backend: 'zookeeper',
    env: {
      ELECTOR_ZOOKEEPER_CONNECT: zookeeper.connectString,
      ELECTOR_ZOOKEEPER_SESSION_TIMEOUT: '2s',
    },
  });
  after(async () => {
    await cluster.stop();
    await zookeeper.stop();
  });
  test('elects one leader, hands over on SIGTERM and recovers from kill -9 after the session', async () => {
    await checkElection(cluster, 'zookeeper');
  });
});
