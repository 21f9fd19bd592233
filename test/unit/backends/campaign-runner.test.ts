import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { CampaignRunner } from '../../../src/backends/campaign-runner.js';
import { ElectorError } from '../../../src/core/errors.js';
import { ManualClock, settle } from '../manual-clock.js';

function runner(clock: ManualClock, onStopped?: () => void): CampaignRunner {
  return new CampaignRunner({
    backend: 'zookeeper',
    clock,
    random: () => 0,
    retry: { baseDelayMs: 100, maxDelayMs: 1000 },
    logger: pino({ level: 'silent' }),
    ...(onStopped === undefined ? {} : { onStopped }),
  });
}

const transient = new ElectorError('BACKEND_UNAVAILABLE', 'down', { retryable: true });
const fatal = new ElectorError('CONFIG_INVALID', 'refused');

/** Resolves when `signal` aborts. */
function abortOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/** Settles `promise` into a readable outcome without letting it reject unobserved. */
function outcomeOf(promise: Promise<void>): { value: 'pending' | 'resolved' | Error } {
  const outcome: { value: 'pending' | 'resolved' | Error } = { value: 'pending' };
  promise.then(
    () => {
      outcome.value = 'resolved';
    },
    (error: unknown) => {
      outcome.value = error as Error;
    },
  );
  return outcome;
}

describe('CampaignRunner', () => {
  test('a second start() is refused with INTERNAL and the same message for every backend', async () => {
    const campaignRunner = runner(new ManualClock());
    const controller = new AbortController();
    void campaignRunner.start(controller.signal, async (campaign) => {
      campaign.joined();
      await abortOf(campaign.signal);
    });
    await assert.rejects(
      campaignRunner.start(controller.signal, () => Promise.resolve()),
      (error: unknown) =>
        error instanceof ElectorError &&
        error.code === 'INTERNAL' &&
        error.message === 'zookeeper backend: start() may be called only once',
    );
    controller.abort();
    await campaignRunner.stopped();
  });

  test('start() resolves once the loop has joined, not before', async () => {
    const campaignRunner = runner(new ManualClock());
    const controller = new AbortController();
    let join: () => void = () => undefined;
    const started = outcomeOf(
      campaignRunner.start(controller.signal, async (campaign) => {
        join = () => {
          campaign.joined();
        };
        await abortOf(campaign.signal);
      }),
    );
    await settle();
    assert.equal(started.value, 'pending');
    join();
    await settle();
    assert.equal(started.value, 'resolved');
    controller.abort();
    await campaignRunner.stopped();
  });

  test('start() rejects with the first non-retryable error met before joining', async () => {
    const campaignRunner = runner(new ManualClock());
    let wasRetried = true;
    const started = campaignRunner.start(new AbortController().signal, async (campaign) => {
      wasRetried = await campaign.retryAfter(fatal);
    });
    await assert.rejects(started, (error: unknown) => error === fatal);
    assert.equal(wasRetried, false, 'the loop is told to end');
    await campaignRunner.stopped();
    assert.equal(campaignRunner.phase(), 'stopped');
  });

  test('a loop that ends without joining never leaves start() hanging', async () => {
    const campaignRunner = runner(new ManualClock());
    await assert.rejects(
      campaignRunner.start(new AbortController().signal, () => Promise.resolve()),
      /zookeeper campaign ended before joining/,
    );
  });

  test('start() resolves when its signal aborts before the member joined', async () => {
    const campaignRunner = runner(new ManualClock());
    const controller = new AbortController();
    const started = campaignRunner.start(controller.signal, async (campaign) => {
      await abortOf(campaign.signal);
    });
    controller.abort();
    await started;
  });

  test('retries wait a doubling backoff on the clock, capped, and start over after a success', async () => {
    const clock = new ManualClock(0);
    const campaignRunner = runner(clock);
    const controller = new AbortController();
    const retriedAt: number[] = [];
    void campaignRunner.start(controller.signal, async (handle) => {
      handle.joined();
      for (let attempt = 0; attempt < 6; attempt += 1) {
        await handle.retryAfter(transient);
        retriedAt.push(clock.now());
      }
      handle.succeeded();
      await handle.retryAfter(transient);
      retriedAt.push(clock.now());
    });
    await clock.advanceAndSettle(10_000);
    // random() = 0: half of each step (equal jitter); steps 100, 200, 400, 800, 1000, 1000.
    assert.deepEqual(
      retriedAt.map((at, index) => at - (retriedAt[index - 1] ?? 0)),
      [50, 100, 200, 400, 500, 500, 50],
    );
    await campaignRunner.stopped();
  });

  test('a non-retryable error after joining waits the cap, and the loop goes on', async () => {
    const clock = new ManualClock(0);
    const campaignRunner = runner(clock);
    let retried: boolean | null = null;
    void campaignRunner.start(new AbortController().signal, async (campaign) => {
      campaign.joined();
      retried = await campaign.retryAfter(fatal);
    });
    await clock.advanceAndSettle(999);
    assert.equal(retried, null, 'still waiting 1 ms before the cap');
    await clock.advanceAndSettle(1);
    assert.equal(retried, true);
  });

  test('an abort ends the backoff wait at once', async () => {
    const campaignRunner = runner(new ManualClock());
    const controller = new AbortController();
    let retried: boolean | null = null;
    void campaignRunner.start(controller.signal, async (campaign) => {
      campaign.joined();
      retried = await campaign.retryAfter(transient);
    });
    await settle();
    controller.abort();
    await campaignRunner.stopped();
    assert.equal(retried, false);
  });

  test('stopped() resolves at once before start(), and after the loop returned an abort', async () => {
    let stoppedCalls = 0;
    const campaignRunner = runner(new ManualClock(), () => {
      stoppedCalls += 1;
    });
    await campaignRunner.stopped();
    assert.equal(campaignRunner.phase(), 'not-started');
    const controller = new AbortController();
    let hasCleanedUp = false;
    void campaignRunner.start(controller.signal, async (campaign) => {
      campaign.joined();
      await abortOf(campaign.signal);
      await settle();
      hasCleanedUp = true;
    });
    const stopped = outcomeOf(campaignRunner.stopped());
    await settle();
    assert.equal(stopped.value, 'pending', 'running until the signal aborts');
    controller.abort();
    await campaignRunner.stopped();
    assert.equal(hasCleanedUp, true, 'the loop finished its clean-up first');
    assert.equal(campaignRunner.phase(), 'stopped');
    assert.equal(stoppedCalls, 1, 'onStopped ran once, before stopped() resolved');
  });
});
