// The ZooKeeper session's deadlines run on the injected Clock, so a manual clock decides when a
// silent server's request, or a connect no server answers, gives up.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { Client } from 'node-zookeeper-client';
import { connectClient } from '../../../../src/backends/zookeeper/connect.js';
import { sessionOver } from '../../../../src/backends/zookeeper/session.js';
import { ElectorError } from '../../../../src/core/errors.js';
import { ManualClock, settle } from '../../manual-clock.js';

/** A connected client whose server never answers; counts how often its socket is dropped. */
function silentClient(sessionTimeoutMs: number): { client: Client; drops: () => number } {
  let drops = 0;
  const client = Object.assign(new EventEmitter(), {
    getSessionId: () => Buffer.alloc(8, 1),
    getSessionTimeout: () => sessionTimeoutMs,
    getChildren: () => undefined,
    connectionManager: {
      socket: {
        destroy: () => {
          drops += 1;
        },
      },
    },
  });
  return { client: client as unknown as Client, drops: () => drops };
}

/** Whether `promise` has settled, after letting pending continuations run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await settle();
  return settled;
}

describe('ZooKeeper session deadlines on the clock', { timeout: 10_000 }, () => {
  test('a request with no answer fails with TIMEOUT at 2/3 of the session timeout and drops the connection', async () => {
    const clock = new ManualClock(0);
    const { client, drops } = silentClient(3000);
    const session = sessionOver(client, false, clock);
    const request = session.getChildren('/elector/orders', new AbortController().signal);
    clock.advance(1999);
    assert.equal(await hasSettled(request), false, 'still waiting 1 ms before the deadline');
    assert.equal(drops(), 0);
    clock.advance(1);
    await assert.rejects(request, (error: unknown) => {
      assert.ok(error instanceof ElectorError);
      assert.equal(error.code, 'BACKEND_UNAVAILABLE');
      assert.match(error.message, /no answer to getChildren within 2000 ms/);
      return true;
    });
    assert.equal(drops(), 1, 'the silent connection is dropped, as by a read timeout');
    assert.deepEqual(clock.pendingDueTimes(), [], 'no timer is left behind');
  });

  test('a connect that no server answers fails at twice the session timeout', async () => {
    const clock = new ManualClock(0);
    const parameters = { connectString: '127.0.0.1:1', sessionTimeoutMs: 1000, auth: null };
    const connecting = connectClient(parameters, clock, new AbortController().signal);
    clock.advance(1999);
    assert.equal(await hasSettled(connecting), false, 'still waiting 1 ms before the deadline');
    clock.advance(1);
    await assert.rejects(connecting, (error: unknown) => {
      assert.ok(error instanceof ElectorError);
      assert.match(error.message, /no server of 127\.0\.0\.1:1 granted a session within 2000 ms/);
      return true;
    });
    assert.deepEqual(clock.pendingDueTimes(), []);
  });
});
