// Stale-label cleanup: a new leader relabels a crashed leader's pod, never a newer leader's,
// and its label convergence time is reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubernetesApi } from '../../../src/kubernetes/api-client.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  annotationsOf,
  createPod,
  labelsOf,
  leading,
  startHarness,
  type Harness,
  runWriter,
  type RunningWriter,
} from './harness.js';

const leaderLabel = { 'elector.io/role': 'leader' };

function writerFor(api: KubernetesApi, podName: string): RunningWriter {
  return runWriter(api, podName);
}

describe('stale-label cleanup', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.close();
  });

  test("a new leader relabels a crashed leader's pod and leaves a newer leader and other elections alone", async (t) => {
    const { server } = harness;
    createPod(server, 'web-0');
    createPod(server, 'web-1', leaderLabel, { 'elector.io/fencing-token': '2' });
    createPod(server, 'web-2', leaderLabel, { 'elector.io/fencing-token': '9' });
    createPod(server, 'web-3', leaderLabel);
    createPod(server, 'web-4', { 'elector.io/role': 'follower' });
    createPod(
      server,
      'billing-0',
      { ...leaderLabel, 'elector.io/election': 'billing' },
      {
        'elector.io/fencing-token': '1',
      },
    );
    const { writer, events, lines, stop } = writerFor(await harness.api(), 'web-0');
    try {
      writer.update(leading(5n));
      const convergence = await waitFor(
        () => events.find((event) => event.type === 'label-convergence'),
        { timeoutMs: 5000, what: 'a label-convergence event' },
      );
      assert.equal(labelsOf(server, 'web-0')['elector.io/role'], 'leader');
      assert.equal(
        labelsOf(server, 'web-1')['elector.io/role'],
        'follower',
        'token 2 < 5: cleaned',
      );
      assert.equal(labelsOf(server, 'web-3')['elector.io/role'], 'follower', 'no token: cleaned');
      assert.equal(labelsOf(server, 'web-2')['elector.io/role'], 'leader', 'token 9 > 5: kept');
      assert.equal(labelsOf(server, 'billing-0')['elector.io/role'], 'leader', 'another election');
      assert.equal(labelsOf(server, 'web-4')['elector.io/role'], 'follower');
      assert.equal(convergence.staleLabelsCleaned, 2);
      assert.ok(
        lines().some((line) => line.event === 'pod.stale-label.kept' && line.stalePod === 'web-2'),
        'the newer leader is logged',
      );
      t.diagnostic(
        `label convergence with 2 stale labels: ${convergence.durationMs.toFixed(1)} ms`,
      );
    } finally {
      await stop();
    }
  });

  test('a pod that changed between the list and the write is judged again, so a newer leader is not clobbered', async () => {
    const { server } = harness;
    server.delete('pods', 'default', 'web-2');
    createPod(server, 'web-5', leaderLabel, { 'elector.io/fencing-token': '3' });
    const api = await harness.api();
    let isRaced = false;
    // Just before our write reaches web-5, it becomes a newer leader (token 11).
    const racingApi: KubernetesApi = {
      ...api,
      request: async (operation, request, signal) => {
        if (!isRaced && request.method === 'PATCH' && request.path.endsWith('/pods/web-5')) {
          isRaced = true;
          const pod = server.get('pods', 'default', 'web-5');
          assert.ok(pod !== undefined);
          server.put({
            ...pod,
            metadata: {
              ...(pod.metadata as object),
              annotations: { 'elector.io/fencing-token': '11' },
            },
          });
        }
        return api.request(operation, request, signal);
      },
    };
    createPod(server, 'web-6');
    const { writer, events, stop } = writerFor(racingApi, 'web-6');
    try {
      writer.update(leading(7n));
      await waitFor(() => events.some((event) => event.type === 'label-convergence'), {
        timeoutMs: 5000,
        what: 'a label-convergence event',
      });
      assert.equal(isRaced, true);
      assert.ok(
        events.some(
          (event) =>
            event.type === 'pod-write' &&
            event.target === 'stale-label' &&
            event.result === 'conflict',
        ),
        'the stale write was refused with 409',
      );
      assert.equal(labelsOf(server, 'web-5')['elector.io/role'], 'leader');
      assert.equal(annotationsOf(server, 'web-5')['elector.io/fencing-token'], '11');
    } finally {
      await stop();
    }
  });
});
