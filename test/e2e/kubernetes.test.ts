import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  startKubeApiServer,
  type JsonObject,
  type KubeApiServer,
} from '../../lab/kube-apiserver/index.js';
import { startChild } from '../../lab/child.js';
import { cliPath, SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

function podObject(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'workload', 'elector.io/election': 'e2e' },
    },
    spec: { containers: [{ name: 'workload', image: 'example/workload:1' }] },
  };
}

function rolesOf(apiserver: KubeApiServer): Record<string, string | undefined> {
  const roles: Record<string, string | undefined> = {};
  for (const pod of apiserver.list('pods', 'default')) {
    const metadata = pod.metadata as { name: string; labels?: Record<string, string> };
    roles[metadata.name] = metadata.labels?.['elector.io/role'];
  }
  return roles;
}

describe('pod labels kept by 3 Raft sidecars on the test apiserver', async () => {
  const apiserver = await startKubeApiServer();
  const mesh = await SidecarCluster.start({ size: 3, env: {} });
  const kubeconfig = join(mesh.directory, 'kubeconfig');
  await apiserver.writeKubeconfig(kubeconfig, { namespace: 'default' });
  for (const member of mesh.members) {
    apiserver.put(podObject(member.id) as JsonObject);
    member.extraEnv = {
      ELECTOR_KUBECONFIG: kubeconfig,
      ELECTOR_NAMESPACE: 'default',
      ELECTOR_POD_LABELS: 'true',
    };
    await mesh.stopMember(member.id, 'SIGKILL');
    mesh.startMember(member.id);
  }
  after(async () => {
    await mesh.stop();
    await apiserver.close();
  });

  test('exactly one pod is labelled leader, the acting leader', async () => {
    const leader = await mesh.waitForAgreedLeader('a leader');
    await waitFor(
      () => {
        const roles = rolesOf(apiserver);
        return mesh.members.every(
          (member) => roles[member.id] === (member.id === leader.self ? 'leader' : 'follower'),
        );
      },
      { timeoutMs: 30_000, what: 'labels: leader on the leader pod, follower on the others' },
    );
  });

  test("after kill -9 of the leader, the new leader is labelled and the dead leader's pod is relabelled follower", async () => {
    const before = await mesh.waitForAgreedLeader('a leader');
    await mesh.stopMember(before.self, 'SIGKILL');
    const next = await mesh.waitForAgreedLeader('a new leader', 30_000, [before.self]);
    await waitFor(
      () => {
        const roles = rolesOf(apiserver);
        return roles[next.self] === 'leader' && roles[before.self] === 'follower'
          ? roles
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the new leader labelled and the crashed leader cleaned up' },
    );
    mesh.startMember(before.self);
  });

  test('with the API refusing connections, the mesh keeps electing and /role/leader stays truthful', async () => {
    await mesh.waitForAgreedLeader('all members back');
    await apiserver.refuseConnections();
    try {
      const before = await mesh.waitForAgreedLeader('a leader during the outage');
      await mesh.stopMember(before.self, 'SIGKILL');
      const next = await mesh.waitForAgreedLeader('a new leader during the outage', 30_000, [
        before.self,
      ]);
      for (const member of mesh.running()) {
        const response = await fetch(`http://127.0.0.1:${member.httpPort}/role/leader`);
        assert.equal(response.status, member.id === next.self ? 200 : 503);
      }
      mesh.startMember(before.self);
    } finally {
      await apiserver.acceptConnections();
    }
    const leader = await mesh.waitForAgreedLeader('a leader after the outage');
    await waitFor(() => rolesOf(apiserver)[leader.self] === 'leader', {
      timeoutMs: 15_000,
      what: 'labels to converge once the API is back',
    });
  });
});

test('an invalid label key is refused at start with a clear message', async () => {
  const child = startChild(
    process.execPath,
    [cliPath, 'run', '--id', 'a', '--role-label-key', 'Not/A Valid/Key', '--pod-labels', 'false'],
    {
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  assert.equal(await child.exited, 2);
  assert.match(child.output(), /--role-label-key: label key "Not\/A Valid\/Key"/);
});
