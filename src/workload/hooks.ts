import type { Logger } from 'pino';
import { optionDefaults } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { isAborted } from '../runtime/abortable.js';
import { messageOf } from './error-message.js';
import type { HookPayload } from './hook-payload.js';
import { runHook, type HookRun, type HookSpec } from './hook-runner.js';
import {
  ignoreWorkloadEvents,
  type HookName,
  type HookResult,
  type WorkloadObserver,
} from './workload-events.js';

/** Leadership as a backend reports it; `ElectionState` has this shape. */
export interface HookLeadership {
  readonly isSelf: boolean;
  readonly leader: string | null;
  readonly fencingToken: bigint;
  /** Equal to the fencing token where the backend has no term. */
  readonly term?: bigint;
}

/** `--hook-timeout`'s default (config/options/workload.ts). */
export const defaultHookTimeoutMs = optionDefaults.hookTimeoutMs;

export interface LeadershipHooksOptions {
  /** Passed to every hook as ELECTOR_ELECTION / "election". */
  readonly election: string;
  /** Run when this member starts to lead. Absent: nothing runs. */
  readonly onBecameLeader?: HookSpec;
  /** Run when this member stops leading. Absent: nothing runs. */
  readonly onSteppedDown?: HookSpec;
  /** Per hook. Default 5000. */
  readonly timeoutMs?: number;
  /** Hook durations are read from it; the timeout itself is a Node timer. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observe?: WorkloadObserver;
}

/** Tells the workload when this member starts and stops leading. */
export interface LeadershipHooks {
  /**
   * Feeds the latest leadership (call it from `backend.onChange`, and once after start).
   * Derives transitions against the previous call (initially: not leading): became-leader
   * when `isSelf` turns true, stepped-down when it turns false, and both, in that order, when
   * the fencing token changes while `isSelf` stays true. Never throws, never waits: hooks are
   * queued and run one at a time, in the order of the transitions, so a stepped-down hook
   * always ends before a later became-leader hook starts. None is skipped or merged.
   */
  update(leadership: HookLeadership): void;
  /**
   * Resolves once every queued hook has run. If `signal` aborts first, the running hook is
   * cancelled (an exec hook's process group is killed), the queued ones are dropped (each
   * reported as 'dropped'), and it resolves once the running one has ended. Never rejects.
   */
  drain(signal: AbortSignal): Promise<void>;
}

interface QueuedHook {
  readonly spec: HookSpec;
  readonly payload: HookPayload;
}

/** Leadership hooks over one member's transitions. */
export function createLeadershipHooks(options: LeadershipHooksOptions): LeadershipHooks {
  const { clock, logger, election } = options;
  const observe = options.observe ?? ignoreWorkloadEvents;
  const timeoutMs = options.timeoutMs ?? defaultHookTimeoutMs;
  const queue: QueuedHook[] = [];
  let worker: Promise<void> | null = null;
  let cancelRunning = new AbortController();
  let isLeading = false;
  let leadingToken = 0n;

  const report = (
    job: QueuedHook,
    run: { readonly result: HookResult; readonly detail: string },
    durationMs: number,
  ): void => {
    observe({
      type: 'hook-run',
      hook: job.payload.hook,
      kind: job.spec.kind,
      result: run.result,
      durationMs,
    });
    const fields = {
      event: `hook.${run.result}`,
      hook: job.payload.hook,
      kind: job.spec.kind,
      fencingToken: job.payload.fencingToken.toString(),
      durationMs,
      detail: run.detail,
    };
    if (run.result === 'success') logger.info(fields, `${job.payload.hook} hook ran`);
    else logger.warn(fields, `${job.payload.hook} hook: ${run.result}: ${run.detail}`);
  };

  const runNext = async (job: QueuedHook): Promise<void> => {
    const startedAt = clock.now();
    let run: HookRun;
    try {
      run = await runHook(job.spec, job.payload, { timeoutMs, signal: cancelRunning.signal });
    } catch (error) {
      // runHook does not reject; this keeps a bug there from stopping the queue.
      run = { result: 'failure', detail: `internal error: ${messageOf(error)}` };
    }
    report(job, run, clock.now() - startedAt);
  };

  const work = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      await runNext(job);
    }
    worker = null;
  };

  const enqueue = (hook: HookName, leadership: HookLeadership, previous: bigint | null): void => {
    const spec = hook === 'became-leader' ? options.onBecameLeader : options.onSteppedDown;
    if (spec === undefined) return;
    queue.push({
      spec,
      payload: {
        hook,
        role: hook === 'became-leader' ? 'leader' : 'follower',
        leader: leadership.leader,
        fencingToken: leadership.fencingToken,
        term: leadership.term ?? leadership.fencingToken,
        election,
        previousFencingToken: previous,
      },
    });
    worker ??= work();
  };

  return {
    update(leadership) {
      if (isLeading && (!leadership.isSelf || leadership.fencingToken !== leadingToken)) {
        isLeading = false;
        enqueue(
          'stepped-down',
          leadership.isSelf ? { ...leadership, isSelf: false, leader: null } : leadership,
          leadingToken,
        );
      }
      if (!isLeading && leadership.isSelf) {
        isLeading = true;
        leadingToken = leadership.fencingToken;
        enqueue('became-leader', leadership, null);
      }
    },
    async drain(signal) {
      const onAbort = (): void => {
        for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
          report(job, { result: 'dropped', detail: 'still queued at shutdown' }, 0);
        }
        cancelRunning.abort();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      try {
        while (worker !== null) await worker;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (isAborted(cancelRunning.signal)) cancelRunning = new AbortController();
      }
    },
  };
}
