import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { metricValue, SidecarCluster } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';
import {
  setWorkloadState,
  startWorkloadProcess,
  type WorkloadProcess,
} from '../../lab/workload-server.js';

describe('3 sidecars beside 3 workload processes', async () => {
  const workloads: WorkloadProcess[] = [];
  for (let index = 0; index < 3; index++)
    workloads.push(await startWorkloadProcess({ state: 'healthy' }));
  const cluster = await SidecarCluster.start({ size: 3 });
  const hookLog = (id: string): string => join(cluster.directory, `${id}.hooks.log`);
  for (const [index, member] of cluster.members.entries()) {
    const workload = workloads[index];
    assert.ok(workload !== undefined);
    member.extraEnv = {
      ELECTOR_HEALTH_HTTP_URL: workload.healthUrl,
      ELECTOR_HEALTH_PERIOD: '50ms',
      ELECTOR_HEALTH_TIMEOUT: '50ms',
      ELECTOR_HEALTH_FAILURE_THRESHOLD: '2',
      ELECTOR_ON_LEADER_EXEC: `echo "leader $ELECTOR_FENCING_TOKEN $PPID" >> ${hookLog(member.id)}`,
      ELECTOR_ON_FOLLOWER_EXEC: `echo "follower $ELECTOR_PREVIOUS_FENCING_TOKEN $PPID" >> ${hookLog(member.id)}`,
    };
    await cluster.stopMember(member.id, 'SIGKILL');
    cluster.startMember(member.id);
  }
  after(async () => {
    await cluster.stop();
    await Promise.all(workloads.map((workload) => workload.child.kill('SIGKILL')));
  });
  const workloadOf = (id: string): WorkloadProcess => {
    const workload = workloads[cluster.members.findIndex((member) => member.id === id)];
    assert.ok(workload !== undefined);
    return workload;
  };

  test("the leader's workload turns unhealthy: another member leads, through the graceful path", async () => {
    const before = await cluster.waitForAgreedLeader('a leader');
    await setWorkloadState(workloadOf(before.self).controlUrl, 'unhealthy');
    const after = await cluster.waitForAgreedLeader('a leader with a healthy workload', 30_000, [
      before.self,
    ]);
    assert.equal(
      after.fencingToken,
      (before.fencingToken ?? 0) + 1,
      'handed over by transfer, in the very next term',
    );
    const metrics = await cluster.metrics(before.self);
    assert.equal(metricValue(metrics, 'elector_transfers_total', 'result="started"'), 1);
    assert.equal(metricValue(metrics, 'elector_workload_healthy'), 0);
  });

  test('a member whose workload is unhealthy never becomes leader', async () => {
    const leader = await cluster.waitForAgreedLeader('a leader');
    const unhealthy = cluster.members.find((member) => member.id !== leader.self);
    assert.ok(unhealthy !== undefined);
    for (const member of cluster.members) {
      await setWorkloadState(
        workloadOf(member.id).controlUrl,
        member.id === unhealthy.id ? 'unhealthy' : 'healthy',
      );
    }
    await waitFor(
      async () =>
        metricValue(await cluster.metrics(unhealthy.id), 'elector_workload_healthy') === 0,
      {
        timeoutMs: 10_000,
        what: `${unhealthy.id} to see its workload unhealthy`,
      },
    );
    for (let round = 0; round < 3; round++) {
      const current = await cluster.waitForAgreedLeader('a leader');
      assert.notEqual(current.self, unhealthy.id);
      await cluster.stopMember(current.self, 'SIGKILL');
      const next = await cluster.waitForAgreedLeader('a leader after the crash', 30_000, [
        current.self,
      ]);
      assert.notEqual(
        next.self,
        unhealthy.id,
        'the member with the unhealthy workload stood for election',
      );
      cluster.startMember(current.self);
    }
  });

  const hookLines = (id: string): string[] =>
    existsSync(hookLog(id)) ? readFileSync(hookLog(id), 'utf8').trim().split('\n') : [];

  test('hooks ran in order with the fencing tokens of each leadership', () => {
    for (const member of cluster.members) {
      const lines = hookLines(member.id);
      // Per sidecar process ($PPID): a killed process never runs its step-down hook.
      const leading = new Map<string, string | null>();
      for (const line of lines) {
        const [role, token = '', pid = ''] = line.split(' ');
        if (role === 'leader') {
          assert.equal(
            leading.get(pid) ?? null,
            null,
            `${member.id}: became-leader twice without a step-down: ${lines.join(' | ')}`,
          );
          leading.set(pid, token);
        } else if (leading.get(pid) != null) {
          assert.equal(
            token,
            leading.get(pid),
            `${member.id}: stepped down with another token: ${lines.join(' | ')}`,
          );
          leading.set(pid, null);
        }
      }
    }
    const all = cluster.members.flatMap((member) => hookLines(member.id));
    assert.ok(
      all.filter((line) => line.startsWith('leader')).length >= 2,
      `few hooks ran: ${all.join(' | ')}`,
    );
  });
});
