// Issue 14's operator interface, end to end: the chart rendered with replicas 3 and applied with
// kubectl to the test apiserver, its sidecars running as real processes with the pod spec's
// environment; then re-rendered with replicas 5 and rolled pod by pod as the StatefulSet
// controller does (see pod-runner.ts). A recorder polls every pod throughout: one leader acts at
// a time, and at the end all five members hold the five-member configuration.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertLeadershipHeld } from '../../lab/faults/checker.js';
import { LeadershipRecorder } from '../../lab/faults/recorder.js';
import { chartDirectory, helmTemplate } from '../../lab/helm.js';
import { holdsMembers, membershipAt } from '../../lab/membership.js';
import { waitFor } from '../../lab/wait-for.js';
import { withLogs } from '../integration/helm/chart-facts.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from '../integration/helm/cluster.js';
import { statefulSetSchema } from '../integration/helm/objects.js';
import { StatefulSetController } from '../integration/helm/pod-runner.js';

const namespace = 'shop';
const release = 'orders';
const statefulSetName = 'orders-elector';
const secretName = 'orders-peers';

async function render(cluster: TestCluster, replicas: number) {
  const rendered = await helmTemplate({
    chart: chartDirectory,
    release,
    namespace,
    // `helm upgrade` installs no test hooks; they run only under `helm test`.
    extraArgs: ['--skip-tests'],
    values: {
      replicas,
      raft: { clusterSecret: { existingSecret: secretName, key: 'cluster-secret' } },
      workload: {
        image: { repository: 'nginxinc/nginx-unprivileged', tag: '1.27' },
        ports: [{ name: 'http', containerPort: 8080 }],
      },
    },
  });
  await cluster.apply(namespace, rendered);
  return cluster.get(statefulSetSchema, namespace, ['statefulset', statefulSetName]);
}

describe('helm upgrade --set replicas=N on a StatefulSet, rolled as the controller does', () => {
  let cluster: TestCluster;
  let directory: string;
  let pods: StatefulSetController | undefined;
  let recorder: LeadershipRecorder | undefined;

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-chart-scale-'));
    await cluster.createNamespace(namespace);
    await cluster.apply(
      namespace,
      [
        'apiVersion: v1',
        'kind: Secret',
        `metadata: { name: ${secretName} }`,
        `stringData: { cluster-secret: ${'s'.repeat(40)} }`,
      ].join('\n'),
    );
  });

  after(async () => {
    await recorder?.stop();
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('3 -> 5 -> 3 -> 1: one leader throughout, the new member set after each roll, and an Event for the committed change', async () => {
    const three = await render(cluster, 3);
    const group = await StatefulSetController.start({
      cluster,
      statefulSet: three,
      directory,
      pool: 5,
    });
    pods = group;
    const names = Array.from({ length: 5 }, (_, ordinal) => `${statefulSetName}-${ordinal}`);
    const active = new LeadershipRecorder({
      members: names.map((id, ordinal) => ({ id, url: group.urlOf(ordinal) })),
      heartbeatMs: 100,
      electionTimeoutMs: 1000,
    });
    recorder = active;
    await withLogs(group.logs, () => group.waitForAgreedLeader('three pods to elect a leader'));

    const five = await render(cluster, 5);
    assert.equal(five.spec.replicas, 5);
    const steps: string[] = [];
    await withLogs(group.logs, () => group.apply(five, (step) => steps.push(step)));
    assert.deepEqual(steps, [
      `create ${statefulSetName}-3`,
      `create ${statefulSetName}-4`,
      `replace ${statefulSetName}-2`,
      `replace ${statefulSetName}-1`,
      `replace ${statefulSetName}-0`,
    ]);
    await withLogs(group.logs, () =>
      waitFor(
        async () => {
          const answers = await Promise.all(
            names.map((_, ordinal) => membershipAt(group.urlOf(ordinal))),
          );
          return answers.every((answer) => holdsMembers(answer, names));
        },
        { timeoutMs: 30_000, what: 'all five pods to hold the five-member configuration' },
      ),
    );
    const leader = await group.waitForAgreedLeader('one leader of five');
    assert.ok(names.includes(leader.self));

    // Back down: 5 -> 3 -> 1. The pods scaled away leave the member set before they stop, so
    // the members that stay always keep a majority of the configuration in force.
    for (const replicas of [3, 1]) {
      const smaller = await render(cluster, replicas);
      await withLogs(group.logs, () => group.apply(smaller));
      const kept = names.slice(0, replicas);
      await withLogs(group.logs, () =>
        waitFor(
          async () => {
            const answers = await Promise.all(
              kept.map((_, ordinal) => membershipAt(group.urlOf(ordinal))),
            );
            return answers.every((answer) => holdsMembers(answer, kept));
          },
          { timeoutMs: 30_000, what: `the ${replicas}-member configuration` },
        ),
      );
      await group.waitForAgreedLeader(`one leader of ${replicas}`);
    }
    const condemned = group.members.filter((member) => member.name.endsWith('-4'))[0];
    assert.match(
      condemned?.child?.output() ?? '',
      /"event":"leave.done"/,
      'a pod scaled away left first',
    );

    const history = await active.stop();
    recorder = undefined;
    assertLeadershipHeld(history, 'chart-scale-3-5-3-1');

    // The leader adds each new pod once it answers, so on a busy machine the scale-up can take
    // more than one committed change (CI once saw v5 = pods 0, 1, 2, 4, then the five), and a
    // member records at most 5 Events back to back, then one a minute: the Event of the last
    // step may be dropped by design. The five-member configuration itself is checked above, on
    // every pod; here, that the scale-up's changes reached `kubectl describe`.
    const events = cluster.server.list('events', namespace).map((event) => JSON.stringify(event));
    assert.ok(
      events.some(
        (text) =>
          text.includes('"reason":"ConfigurationChanged"') &&
          /is now v\d+: orders-elector-0, [^"]*orders-elector-[34][ ,]/.test(text),
      ),
      `an Event for a committed change that added a new pod: ${events.join('\n')}`,
    );
  });
});
