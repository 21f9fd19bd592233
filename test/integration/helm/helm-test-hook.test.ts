// The chart's `helm test` hook (templates/tests/one-leader.yaml) run for real: helm renders it,
// kubectl stores it in the test apiserver beside the StatefulSet, three sidecars run as processes
// (pod-runner.ts), and the hook's own command runs under the host's sh and wget with the pod's
// environment. The test apiserver runs no pods, so one rewrite stands in for cluster DNS:
// MEMBER_URLS points at the members' loopback ports instead of their names under the peers Service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { chartDirectory, helmTemplate } from '../../../lab/helm.js';
import { withLogs } from './chart-facts.js';
import { ensureBuiltCli, startTestCluster, type TestCluster } from './cluster.js';
import { containerSchema, statefulSetSchema, type Container } from './objects.js';
import { startStatefulSetPods, type PodGroup } from './pod-runner.js';

const namespace = 'shop';
const testPodName = 'orders-elector-test-one-leader';

const hookPodSchema = z.looseObject({
  metadata: z.looseObject({ annotations: z.record(z.string(), z.string()) }),
  spec: z.looseObject({ restartPolicy: z.string(), containers: z.array(containerSchema) }),
});

interface HookRun {
  readonly code: number;
  readonly output: string;
}

/** Runs the hook container's command with its env, `overrides` applied; resolves with the exit. */
async function runHook(container: Container, overrides: Record<string, string>): Promise<HookRun> {
  const [file = '', ...args] = container.command ?? [];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  Object.assign(env, overrides);
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code === 'number') resolve({ code, output: `${stdout}${stderr}` });
      else reject(new Error(`the hook could not run: ${error?.message ?? ''}`, { cause: error }));
    });
  });
}

describe("the chart's helm test hook against three running sidecars", () => {
  let cluster: TestCluster;
  let directory: string;
  let pods: PodGroup | undefined;
  let hook: Container;
  let memberUrls: string[];

  before(async () => {
    await ensureBuiltCli();
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-helm-test-'));
    await cluster.createNamespace(namespace);
    const rendered = await helmTemplate({ chart: chartDirectory, release: 'orders', namespace });
    const created = await cluster.apply(namespace, rendered);
    assert.ok(created.includes(`pod/${testPodName} created`), created.join('\n'));
    const statefulSet = await cluster.get(statefulSetSchema, namespace, [
      'statefulset',
      'orders-elector',
    ]);
    pods = await startStatefulSetPods({ cluster, statefulSet, directory });
    memberUrls = pods.members.map((member) => `http://127.0.0.1:${member.httpPort}/leader`);
    const pod = await cluster.get(hookPodSchema, namespace, ['pod', testPodName]);
    assert.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
    assert.equal(pod.spec.restartPolicy, 'Never');
    const container = pod.spec.containers[0];
    assert.ok(container !== undefined);
    hook = container;
  });

  after(async () => {
    await pods?.stop();
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('the hook asks each member GET /leader by its name under the peers Service', () => {
    const urls = hook.env?.find((variable) => variable.name === 'MEMBER_URLS')?.value;
    assert.equal(
      urls,
      [0, 1, 2]
        .map(
          (ordinal) =>
            `http://orders-elector-${ordinal}.orders-elector-peers.shop.svc.cluster.local:4040/leader`,
        )
        .join(' '),
    );
    assert.match(hook.image, /^busybox:\d+\.\d+\.\d+$/, 'a small image, pinned to a version');
  });

  test('it passes once the three members agree on one leader, naming each answer', async () => {
    assert.ok(pods !== undefined);
    const group = pods;
    const leader = await withLogs(group.logs, () => group.waitForAgreedLeader('one leader'));
    const run = await runHook(hook, { MEMBER_URLS: memberUrls.join(' ') });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /^exactly one of 3 members leads:/);
    assert.equal(run.output.match(/"isSelf":true/g)?.length, 1, run.output);
    assert.ok(run.output.includes(`"self":"${leader.self}"`), run.output);
  });

  test('it fails when two members say they lead, and when a member does not answer', async () => {
    assert.ok(pods !== undefined);
    const leader = await pods.waitForAgreedLeader('one leader');
    const leaderUrl = `http://127.0.0.1:${pods.member(leader.self).httpPort}/leader`;
    const twice = await runHook(hook, {
      MEMBER_URLS: [...memberUrls, leaderUrl].join(' '),
      TIMEOUT_SECONDS: '0',
    });
    assert.equal(twice.code, 1, twice.output);
    assert.match(
      twice.output,
      /expected all 4 members to answer and exactly one to lead; 4 answered, 2 lead/,
    );

    const silent = await runHook(hook, {
      MEMBER_URLS: [...memberUrls, 'http://127.0.0.1:9/leader'].join(' '),
      TIMEOUT_SECONDS: '0',
    });
    assert.equal(silent.code, 1, silent.output);
    assert.match(silent.output, /3 answered, 1 lead/);
    assert.ok(silent.output.includes('http://127.0.0.1:9/leader: no answer'), silent.output);
  });
});
