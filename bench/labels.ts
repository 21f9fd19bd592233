// npm run bench:labels [-- --trials 30]
// Label convergence: from a survivor reporting the new leader until the pod labels in the API are
// right (the new leader's pod says leader, no other pod does). 3 Raft sidecars, test apiserver.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKubeApiServer } from '../lab/kube-apiserver/index.js';
import { SidecarCluster, type LeaderAnswer } from '../lab/sidecar-cluster.js';
import { nullOnDeadline, within } from '../lab/wait-for.js';
import { LeaderWatch } from './leader-watch.js';
import { BenchOutput } from './output.js';
import { PodRoleWatch } from './pod-watch.js';
import { summary } from './stats.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '30' } } });
const trials = Number(values.trials);
if (!Number.isInteger(trials) || trials < 1) {
  console.error(`--trials: expected a whole number ≥ 1; got ${JSON.stringify(values.trials)}`);
  process.exit(2);
}

const roleLabel = 'elector.io/role';

async function main(): Promise<void> {
  const output = new BenchOutput('labels');
  const apiserver = await startKubeApiServer();
  const cluster = await SidecarCluster.start({ size: 3 });
  const kubeconfig = join(cluster.directory, 'kubeconfig');
  await apiserver.writeKubeconfig(kubeconfig, { namespace: 'default' });
  for (const member of cluster.members) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: member.id, namespace: 'default', labels: { 'elector.io/election': 'e2e' } },
      spec: { containers: [{ name: 'workload', image: 'example/workload:1' }] },
    };
    apiserver.put(pod);
    member.extraEnv = {
      ELECTOR_KUBECONFIG: kubeconfig,
      ELECTOR_NAMESPACE: 'default',
      ELECTOR_POD_LABELS: 'true',
      ELECTOR_POD_EVENTS: 'false',
    };
    await cluster.stopMember(member.id, 'SIGKILL');
    cluster.startMember(member.id);
  }
  const pods = new PodRoleWatch(apiserver.url, 'default', roleLabel);
  const labelsRight = (leader: string) => (roles: ReadonlyMap<string, string | undefined>) =>
    roles.get(leader) === 'leader' &&
    [...roles].every(([name, role]) => name === leader || role !== 'leader');
  try {
    for (const mode of ['crash', 'graceful'] as const) {
      const samples: number[] = [];
      let failed = 0;
      for (let index = 0; index < trials; index++) {
        const before: LeaderAnswer = await cluster.waitForAgreedLeader('a leader', 30_000);
        await pods.until(labelsRight(before.self));
        const survivors = cluster.members.filter((member) => member.id !== before.self);
        const watches = survivors.map(
          (member) => new LeaderWatch(`http://127.0.0.1:${member.httpPort}/leader/watch`),
        );
        await Promise.all(watches.map((watch) => watch.ready));
        const newLeader = new Promise<{ at: number; id: string }>((resolve) => {
          for (const watch of watches) {
            void watch
              .next((event) => event.id !== null && event.id !== before.self)
              .then((at) => {
                void cluster
                  .leaderAnswer(survivors[watches.indexOf(watch)]?.id ?? '')
                  .then((answer) => {
                    if (answer?.id != null) resolve({ at, id: answer.id });
                  });
              });
          }
        });
        await cluster.stopMember(before.self, mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
        const elected = await within(
          newLeader,
          20_000,
          'a survivor to report the new leader',
        ).catch(nullOnDeadline);
        const converged =
          elected === null
            ? null
            : await within(pods.until(labelsRight(elected.id)), 20_000, 'the labels').catch(
                nullOnDeadline,
              );
        for (const watch of watches) watch.close();
        if (elected === null || converged === null) failed++;
        else samples.push(Math.max(0, converged - elected.at));
        cluster.startMember(before.self);
      }
      output.add({
        mode,
        backend: 'raft',
        members: 3,
        trials,
        ...summary(samples),
        failed_trials: failed,
      });
    }
  } finally {
    pods.close();
    await cluster.stop();
    await apiserver.close();
  }
  output.write();
}

await main();
