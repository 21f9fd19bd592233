import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import {
  createLeadershipHooks,
  type HookLeadership,
  type LeadershipHooksOptions,
} from '../../../src/workload/hooks.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';
import { freePort } from '../../../lab/free-port.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startWorkloadServer, type WorkloadServer } from '../../../lab/workload-server.js';
import { captureLogger, isProcessRunning, monotonicClock, recordEvents } from './fixtures.js';

const silent = pino({ level: 'silent' });

const leading = (fencingToken: bigint, term = fencingToken): HookLeadership => ({
  isSelf: true,
  leader: 'web-0',
  fencingToken,
  term,
});
const following = (leader: string | null, fencingToken: bigint): HookLeadership => ({
  isSelf: false,
  leader,
  fencingToken,
  term: fencingToken,
});

function hookRuns(events: readonly WorkloadEvent[]): string[] {
  return events.map((event) => (event.type === 'hook-run' ? `${event.hook}:${event.result}` : '?'));
}

describe('leadership hooks', () => {
  let directory: string;
  let workload: WorkloadServer;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'elector-hooks-'));
    workload = await startWorkloadServer();
  });

  after(async () => {
    await workload.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Exec hooks that append one line of their ELECTOR_* environment to a file. */
  function execHooks(
    name: string,
    extra: Partial<LeadershipHooksOptions> = {},
    leaderDelaySeconds = 0,
  ): { file: string; options: LeadershipHooksOptions } {
    const file = join(directory, `${name}.log`);
    const line = `echo "$ELECTOR_HOOK role=$ELECTOR_ROLE leader=$ELECTOR_LEADER token=$ELECTOR_FENCING_TOKEN term=$ELECTOR_TERM election=$ELECTOR_ELECTION previous=$ELECTOR_PREVIOUS_FENCING_TOKEN" >> ${file}`;
    return {
      file,
      options: {
        election: 'orders',
        onBecameLeader: { kind: 'exec', command: `sleep ${leaderDelaySeconds}; ${line}` },
        onSteppedDown: { kind: 'exec', command: line },
        clock: monotonicClock,
        logger: silent,
        ...extra,
      },
    };
  }

  async function lines(file: string): Promise<string[]> {
    return (await readFile(file, 'utf8')).trim().split('\n');
  }

  test('exec hooks get role, leader, fencing token, term and election in their environment', async () => {
    const { file, options } = execHooks('environment');
    const hooks = createLeadershipHooks(options);
    hooks.update(leading(7n, 3n));
    hooks.update(following('web-1', 8n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(await lines(file), [
      'became-leader role=leader leader=web-0 token=7 term=3 election=orders previous=',
      'stepped-down role=follower leader=web-1 token=8 term=8 election=orders previous=7',
    ]);
  });

  test("an exec hook does not inherit the sidecar's own ELECTOR_* settings", async () => {
    const file = join(directory, 'inherited.log');
    process.env.ELECTOR_CLUSTER_SECRET = 'do-not-leak-0123456789';
    process.env.ELECTOR_TEST_INHERITED = 'kept-out';
    try {
      const hooks = createLeadershipHooks({
        election: 'orders',
        onBecameLeader: {
          kind: 'exec',
          command: `echo "secret=$ELECTOR_CLUSTER_SECRET other=$ELECTOR_TEST_INHERITED path=\${PATH:+set}" > ${file}`,
        },
        clock: monotonicClock,
        logger: silent,
      });
      hooks.update(leading(1n));
      await hooks.drain(AbortSignal.timeout(5000));
    } finally {
      delete process.env.ELECTOR_CLUSTER_SECRET;
      delete process.env.ELECTOR_TEST_INHERITED;
    }
    assert.deepEqual(await lines(file), ['secret= other= path=set']);
  });

  test('a fast leader→follower→leader sequence runs the hooks one at a time, in order', async () => {
    // The became-leader hook is slow: were hooks run side by side, the stepped-down line
    // would land first.
    const { file, options } = execHooks('sequence', {}, 0.2);
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({ ...options, observe });
    hooks.update(leading(5n));
    hooks.update(following(null, 5n));
    hooks.update(leading(7n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(await lines(file), [
      'became-leader role=leader leader=web-0 token=5 term=5 election=orders previous=',
      'stepped-down role=follower leader= token= term=5 election=orders previous=5',
      'became-leader role=leader leader=web-0 token=7 term=7 election=orders previous=',
    ]);
    assert.deepEqual(hookRuns(events), [
      'became-leader:success',
      'stepped-down:success',
      'became-leader:success',
    ]);
  });

  test('no hook runs without a transition: a first follower update, repeats, a leader change elsewhere', async () => {
    const { events, observe } = recordEvents();
    const { options } = execHooks('quiet', { observe });
    const hooks = createLeadershipHooks(options);
    hooks.update(following(null, 0n));
    hooks.update(following('web-1', 4n));
    hooks.update(following('web-2', 5n));
    hooks.update(leading(6n));
    hooks.update(leading(6n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(hookRuns(events), ['became-leader:success']);
  });

  test('a new fencing token while still leading runs stepped-down for the old one, then became-leader', async () => {
    const { file, options } = execHooks('re-elected');
    const hooks = createLeadershipHooks(options);
    hooks.update(leading(5n));
    hooks.update(leading(9n));
    await hooks.drain(AbortSignal.timeout(5000));
    const written = await lines(file);
    assert.equal(written.length, 3);
    assert.match(written[1] ?? '', /^stepped-down role=follower leader= token= .*previous=5$/);
    assert.match(written[2] ?? '', /^became-leader role=leader leader=web-0 token=9 /);
  });

  test('an exec hook that hangs is killed at its timeout, counted, logged, and the next hook runs', async () => {
    const pidFile = join(directory, 'hang.pids');
    const { logger, lines: logLines } = captureLogger();
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'exec', command: `sleep 30 & echo "$$ $!" > ${pidFile}; wait` },
      onSteppedDown: { kind: 'exec', command: 'exit 0' },
      timeoutMs: 200,
      clock: monotonicClock,
      logger,
      observe,
    });
    hooks.update(leading(3n));
    hooks.update(following(null, 3n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(hookRuns(events), ['became-leader:timeout', 'stepped-down:success']);
    const first = events[0];
    assert.ok(first?.type === 'hook-run' && first.durationMs >= 195, JSON.stringify(first));
    const pids = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    assert.equal(pids.length, 2);
    for (const pid of pids) {
      await waitFor(() => !isProcessRunning(pid), {
        timeoutMs: 2000,
        what: `process ${pid} of the hung hook to be gone`,
      });
    }
    const warned = logLines.find((line) => line.event === 'hook.timeout');
    assert.ok(warned !== undefined && warned.level === 40, 'the timeout is logged at warn');
  });

  test('an exec hook that fails is counted as a failure and logged with its output', async () => {
    const { logger, lines: logLines } = captureLogger();
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'exec', command: 'echo "cannot promote" >&2; exit 4' },
      clock: monotonicClock,
      logger,
      observe,
    });
    hooks.update(leading(3n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(hookRuns(events), ['became-leader:failure']);
    const failed = logLines.find((line) => line.event === 'hook.failure');
    assert.match(String(failed?.detail), /exit code 4; output: cannot promote/);
  });

  test('HTTP hooks POST the payload as JSON, in order', async () => {
    workload.setState('healthy');
    workload.setHookStatus(204);
    const before = workload.hookCalls().length;
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'http', url: new URL(workload.hookUrl) },
      onSteppedDown: { kind: 'http', url: new URL(workload.hookUrl) },
      clock: monotonicClock,
      logger: silent,
      observe,
    });
    hooks.update(leading(12n, 4n));
    hooks.update(following('web-2', 13n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(workload.hookCalls().slice(before), [
      {
        hook: 'became-leader',
        role: 'leader',
        leader: 'web-0',
        fencingToken: '12',
        term: '4',
        election: 'orders',
        previousFencingToken: null,
      },
      {
        hook: 'stepped-down',
        role: 'follower',
        leader: 'web-2',
        fencingToken: '13',
        term: '13',
        election: 'orders',
        previousFencingToken: '12',
      },
    ]);
    assert.deepEqual(hookRuns(events), ['became-leader:success', 'stepped-down:success']);
  });

  test('an HTTP hook answered with 500, or refused, is counted, logged, and does not stop the queue', async () => {
    const { events, observe } = recordEvents();
    const { logger, lines: logLines } = captureLogger();
    const refusedPort = await freePort();
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'http', url: new URL(workload.hookUrl) },
      onSteppedDown: { kind: 'http', url: new URL(`http://127.0.0.1:${refusedPort}/hook`) },
      clock: monotonicClock,
      logger,
      observe,
    });
    workload.setHookStatus(500);
    try {
      hooks.update(leading(1n));
      hooks.update(following(null, 1n));
      hooks.update(leading(2n));
      await hooks.drain(AbortSignal.timeout(5000));
    } finally {
      workload.setHookStatus(204);
    }
    assert.deepEqual(hookRuns(events), [
      'became-leader:failure',
      'stepped-down:failure',
      'became-leader:failure',
    ]);
    const warnings = logLines.filter((line) => line.level === 40);
    assert.deepEqual(
      warnings.map((line) => line.event),
      ['hook.failure', 'hook.failure', 'hook.failure'],
    );
    assert.match(String(warnings[0]?.detail), /: 500$/);
  });

  test('an HTTP hook that gets no answer is cut off at its timeout and counted', async () => {
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'http', url: new URL(workload.hookUrl) },
      timeoutMs: 100,
      clock: monotonicClock,
      logger: silent,
      observe,
    });
    workload.setState('hang');
    try {
      hooks.update(leading(1n));
      await hooks.drain(AbortSignal.timeout(5000));
    } finally {
      workload.setState('healthy');
    }
    assert.deepEqual(hookRuns(events), ['became-leader:timeout']);
    const run = events[0];
    assert.ok(run?.type === 'hook-run' && run.durationMs >= 95, JSON.stringify(run));
  });

  test('drain with an aborted signal kills the running hook and drops the queued ones', async () => {
    const { events, observe } = recordEvents();
    const hooks = createLeadershipHooks({
      election: 'orders',
      // Only the first leadership's hook hangs.
      onBecameLeader: {
        kind: 'exec',
        command: '[ "$ELECTOR_FENCING_TOKEN" = 1 ] && sleep 30; exit 0',
      },
      onSteppedDown: { kind: 'exec', command: 'exit 0' },
      timeoutMs: 60_000,
      clock: monotonicClock,
      logger: silent,
      observe,
    });
    hooks.update(leading(1n));
    hooks.update(following(null, 1n));
    await hooks.drain(AbortSignal.timeout(100));
    assert.deepEqual(hookRuns(events), ['stepped-down:dropped', 'became-leader:cancelled']);
    // The hooks stay usable after a cut-off drain.
    hooks.update(leading(2n));
    await hooks.drain(AbortSignal.timeout(5000));
    assert.deepEqual(hookRuns(events).slice(2), ['became-leader:success']);
  });
});
