import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SidecarMetrics } from '../../../src/http/metrics/sidecar-metrics.js';
import { ManualClock } from '../manual-clock.js';

function raftMetrics(): SidecarMetrics {
  return new SidecarMetrics({
    id: 'member-0',
    backend: 'raft',
    election: 'orders',
    version: '0.0.0',
    clock: new ManualClock(0),
  });
}

async function series(metrics: SidecarMetrics, labels: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((entry) =>
      entry.startsWith(`elector_peer_messages_total{${labels},election="orders",backend="raft"} `),
    );
  assert.ok(line !== undefined, `no series ${labels}`);
  return Number(line.split(' ').at(-1));
}

const heartbeatIn = 'type="heartbeat",direction="in",result="accepted"';
const heartbeatOut = 'type="heartbeat",direction="out",result="accepted"';
const voteOut = 'type="vote",direction="out",result="accepted"';

describe('peer message metrics', () => {
  test('accepted messages are counted by type and direction, and every scrape shows the running total', async () => {
    const metrics = raftMetrics();
    const accept = (direction: 'in' | 'out', messageType: string): void => {
      metrics.observe({ type: 'peer-message', direction, result: 'accepted', messageType });
    };
    for (let index = 0; index < 3; index += 1) accept('in', 'heartbeat');
    accept('out', 'vote');
    assert.equal(await series(metrics, heartbeatIn), 3);
    assert.equal(await series(metrics, voteOut), 1);
    assert.equal(await series(metrics, heartbeatOut), 0);

    accept('in', 'heartbeat');
    accept('out', 'heartbeat');
    assert.equal(await series(metrics, heartbeatIn), 4, 'counts after a scrape add to it');
    assert.equal(await series(metrics, heartbeatOut), 1);
    assert.equal(await series(metrics, heartbeatIn), 4, 'a scrape alone changes nothing');
  });

  test('a dropped message is counted at once, with its reason', async () => {
    const metrics = raftMetrics();
    metrics.observe({
      type: 'peer-message',
      direction: 'in',
      result: 'dropped',
      reason: 'malformed',
      messageType: 'unknown',
    });
    assert.equal(await series(metrics, 'type="unknown",direction="in",result="dropped"'), 1);
    assert.equal(await series(metrics, 'type="heartbeat",direction="in",result="accepted"'), 0);
  });
});
