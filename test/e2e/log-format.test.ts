import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseStrictJson } from '../../lab/strict-json.js';
import { SidecarCluster } from '../../lab/sidecar-cluster.js';

type LogLine = Readonly<Record<string, unknown>>;

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const levelLabels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Every line the process printed, each parsed strictly (no key twice). */
function logLinesOf(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseStrictJson(line) as LogLine);
}

describe('the log format of the built CLI', async () => {
  const cluster = await SidecarCluster.start({ size: 1 });
  after(() => cluster.stop());

  test('by default time is a number of milliseconds and level a number', async () => {
    const child = cluster.member('member-0').child;
    assert.ok(child !== null);
    await cluster.waitForAgreedLeader('a one-member leader');
    assert.equal(await cluster.stopMember('member-0', 'SIGTERM'), 0);
    const lines = logLinesOf(child.output());
    assert.ok(lines.some((line) => line.event === 'leadership.changed'));
    for (const line of lines) {
      assert.equal(typeof line.time, 'number', JSON.stringify(line));
      assert.equal(typeof line.level, 'number', JSON.stringify(line));
    }
  });

  test('with --log-time iso and --log-level-format label, time is ISO-8601 and level a word', async () => {
    const startedAt = Date.now();
    const child = cluster.startMember('member-0', [
      '--log-time',
      'iso',
      '--log-level-format',
      'label',
    ]);
    await cluster.waitForAgreedLeader('the leader again, logging ISO times');
    assert.equal(await cluster.stopMember('member-0', 'SIGTERM'), 0);
    const lines = logLinesOf(child.output());
    const events = lines.map((line) => line.event);
    for (const event of ['sidecar.started', 'leadership.changed', 'shutdown.done']) {
      assert.ok(events.includes(event), `${event} in ${events.join(', ')}`);
    }
    for (const line of lines) {
      assert.match(String(line.time), isoTime, JSON.stringify(line));
      const time = Date.parse(String(line.time));
      assert.ok(
        time >= startedAt - 1000 && time <= Date.now() + 1000,
        `${String(line.time)} is now`,
      );
      assert.ok(levelLabels.includes(String(line.level)), JSON.stringify(line));
      assert.deepEqual(
        [line.id, line.backend, line.election],
        ['member-0', 'raft', 'e2e'],
        'the root bindings are still there, once',
      );
    }
  });
});
