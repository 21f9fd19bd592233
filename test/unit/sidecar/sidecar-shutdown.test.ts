import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { Sidecar } from '../../../src/sidecar/sidecar.js';
import { ManualClock, settle } from '../manual-clock.js';

type LogLine = Readonly<Record<string, unknown>>;

const following: ElectionState = {
  leader: 'b',
  leaderAddress: null,
  fencingToken: 3n,
  term: 3n,
  isSelf: false,
  leaseExpiresAt: null,
  role: 'follower',
};

/** A follower backend that leaves only when the test says so, after its signal aborted. */
function slowBackend(): { backend: ElectionBackend; leave: () => void; aborted: () => boolean } {
  let signal: AbortSignal | null = null;
  let leave: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    leave = resolve;
  });
  return {
    backend: {
      name: 'etcd',
      start: (startSignal) => {
        signal = startSignal;
        return Promise.resolve();
      },
      stopped: () => stopped,
      current: () => following,
      onChange: () => () => undefined,
      resign: () => Promise.resolve(),
      setEligible: () => undefined,
      isReady: () => true,
      members: () => [],
    },
    leave,
    aborted: () => signal?.aborted === true,
  };
}

function sidecarWith(backend: ElectionBackend, clock: ManualClock, lines: LogLine[]): Sidecar {
  const logger = pino({}, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return new Sidecar({ backend, logger, shutdownTimeoutMs: 1000, clock });
}

describe('Sidecar shutdown', () => {
  test('waits for the backend to have left after aborting its signal', async () => {
    const clock = new ManualClock();
    const lines: LogLine[] = [];
    const { backend, leave, aborted } = slowBackend();
    const sidecar = sidecarWith(backend, clock, lines);
    await sidecar.start();
    let isDone = false;
    void sidecar.shutdown('test').then(() => {
      isDone = true;
    });
    await settle();
    assert.equal(aborted(), true, 'the backend was told to stop');
    assert.equal(isDone, false, 'shutdown waits for the backend');
    leave();
    await settle();
    assert.equal(isDone, true);
    assert.deepEqual(
      lines.filter((line) => line.event === 'shutdown.backend-cut-short'),
      [],
      'nothing was cut short',
    );
  });

  test('stops waiting at its deadline and says the backend was cut short', async () => {
    const clock = new ManualClock();
    const lines: LogLine[] = [];
    const { backend } = slowBackend();
    const sidecar = sidecarWith(backend, clock, lines);
    await sidecar.start();
    let isDone = false;
    void sidecar.shutdown('test').then(() => {
      isDone = true;
    });
    await clock.advanceAndSettle(999);
    assert.equal(isDone, false, 'still waiting 1 ms before the shutdown deadline');
    await clock.advanceAndSettle(1);
    assert.equal(isDone, true);
    assert.equal(lines.filter((line) => line.event === 'shutdown.backend-cut-short').length, 1);
  });
});
