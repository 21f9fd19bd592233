import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { waitFor } from '../wait-for.js';
import type { History, Mark, RoleRun, RoleState, ViewEvent } from './history.js';

/** A member as the workload sees it: its id and the base URL of its HTTP API. */
export interface RecordedMember {
  readonly id: string;
  readonly url: string;
}

export interface RecorderOptions {
  readonly members: readonly RecordedMember[];
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  readonly seed?: number;
  /** Which backend the members use (default raft), kept in the history. */
  readonly backend?: string;
  /** Pause between one member's /role/leader polls (default 10 ms). */
  readonly pollIntervalMs?: number;
  /** A poll not answered within this counts as unreachable (default 1000 ms). */
  readonly pollTimeoutMs?: number;
}

/** One answer of GET /role/leader, as the recorder passes it to listeners. */
export interface RoleObservation {
  readonly member: string;
  readonly state: RoleState;
  readonly fencingToken: number | null;
  readonly sentAt: number;
  readonly receivedAt: number;
}

const viewSchema = z.object({
  id: z.string().nullable(),
  fencingToken: z.number().nullable(),
  term: z.number(),
  isSelf: z.boolean(),
});

interface OpenRun {
  member: string;
  state: RoleState;
  fencingToken: number | null;
  firstSentAt: number;
  firstReceivedAt: number;
  lastSentAt: number;
  lastReceivedAt: number;
  count: number;
}

/**
 * Records every member's workload-facing view from the test process: it polls
 * GET /role/leader (status and Elector-Fencing-Token) and follows GET /leader/watch, stamping
 * each answer with this process's monotonic clock. Consecutive equal answers are kept as runs.
 * Runs until `stop()`; every request has a deadline, so a paused or dead member never blocks it.
 */
export class LeadershipRecorder {
  private readonly origin = performance.now();
  private readonly startedAt = new Date().toISOString();
  private readonly controller = new AbortController();
  private readonly runs: OpenRun[] = [];
  private readonly open = new Map<string, OpenRun>();
  private readonly views: ViewEvent[] = [];
  private readonly marks: Mark[] = [];
  private readonly listeners = new Set<(observation: RoleObservation) => void>();
  private readonly tasks: Promise<void>[] = [];
  private endedAt: number | null = null;
  /** The last error per member and loop, for failure messages. */
  readonly lastErrors = new Map<string, string>();

  constructor(private readonly options: RecorderOptions) {
    for (const member of options.members) {
      this.tasks.push(this.poll(member), this.watch(member));
    }
  }

  /** Milliseconds since the recording began, on the clock every observation uses. */
  now(): number {
    return performance.now() - this.origin;
  }

  mark(kind: Mark['kind'], label: string): void {
    this.marks.push({ at: this.now(), kind, label });
  }

  /** Calls `listener` with every poll answer as it arrives; returns an unsubscribe function. */
  onRole(listener: (observation: RoleObservation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest run of `member` (its current answer), or undefined before its first answer. */
  latest(member: string): RoleRun | undefined {
    return this.open.get(member);
  }

  /** True once some member was polled, at or after `at`, and answered 200. */
  hasActingSince(at: number): boolean {
    return [...this.open.values()].some((run) => run.state === 'acting' && run.lastSentAt >= at);
  }

  /**
   * Resolves once a poll sent at or after `since` (default: now) was answered 200, so the
   * history shows whether a leader acted after, say, a heal. Rejects after `timeoutMs`.
   */
  async waitForActing(what: string, timeoutMs: number, since = this.now()): Promise<void> {
    await waitFor(() => this.hasActingSince(since), { timeoutMs, what });
  }

  /** Members whose latest answer is 200, with their tokens. */
  acting(): { member: string; fencingToken: number | null }[] {
    return [...this.open.values()]
      .filter((run) => run.state === 'acting')
      .map((run) => ({ member: run.member, fencingToken: run.fencingToken }));
  }

  /** A copy of everything recorded so far. */
  history(): History {
    return {
      version: 1,
      seed: this.options.seed ?? null,
      backend: this.options.backend ?? 'raft',
      members: this.options.members.map((member) => member.id),
      heartbeatMs: this.options.heartbeatMs,
      electionTimeoutMs: this.options.electionTimeoutMs,
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? this.now(),
      runs: this.runs.map((run) => ({ ...run })),
      views: [...this.views],
      marks: [...this.marks],
    };
  }

  /** Stops polling and watching; resolves once every loop has ended. */
  async stop(): Promise<History> {
    this.endedAt ??= this.now();
    this.controller.abort();
    await Promise.all(this.tasks);
    return this.history();
  }

  private isStopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async poll(member: RecordedMember): Promise<void> {
    const { signal } = this.controller;
    const timeoutMs = this.options.pollTimeoutMs ?? 1000;
    while (!signal.aborted) {
      const sentAt = this.now();
      let state: RoleState = 'unreachable';
      let token: number | null = null;
      try {
        const response = await fetch(`${member.url}/role/leader`, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        const header = response.headers.get('Elector-Fencing-Token');
        await response.arrayBuffer();
        state = response.status === 200 ? 'acting' : 'not-acting';
        token = state === 'acting' && header !== null ? Number(header) : null;
      } catch (error) {
        // No answer in time (paused, killed or cut off): recorded as an unreachable run below.
        if (this.isStopped()) return;
        this.lastErrors.set(`${member.id} poll`, String(error));
      }
      const receivedAt = this.now();
      this.record({ member: member.id, state, fencingToken: token, sentAt, receivedAt });
      await delay(this.options.pollIntervalMs ?? 10, undefined, { signal }).catch(() => undefined);
    }
  }

  private record(observation: RoleObservation): void {
    const { member, state, fencingToken, sentAt, receivedAt } = observation;
    const current = this.open.get(member);
    if (current?.state === state && current.fencingToken === fencingToken) {
      current.lastSentAt = sentAt;
      current.lastReceivedAt = receivedAt;
      current.count++;
    } else {
      const run: OpenRun = {
        member,
        state,
        fencingToken,
        firstSentAt: sentAt,
        firstReceivedAt: receivedAt,
        lastSentAt: sentAt,
        lastReceivedAt: receivedAt,
        count: 1,
      };
      this.runs.push(run);
      this.open.set(member, run);
    }
    for (const listener of this.listeners) listener(observation);
  }

  private async watch(member: RecordedMember): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      try {
        const response = await fetch(`${member.url}/leader/watch`, { signal });
        const reader = response.body?.getReader();
        if (reader === undefined) throw new Error('no body');
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
          if (chunk.done) break;
          buffer += decoder.decode(chunk.value, { stream: true });
          let boundary = buffer.indexOf('\n\n');
          while (boundary >= 0) {
            this.parseEvent(member.id, buffer.slice(0, boundary));
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
          }
        }
      } catch (error) {
        // The member is down or its stream broke: follow it again after a short pause.
        if (this.isStopped()) return;
        this.lastErrors.set(`${member.id} watch`, String(error));
      }
      await delay(100, undefined, { signal }).catch(() => undefined);
    }
  }

  private parseEvent(member: string, block: string): void {
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (data === undefined) return;
    const parsed = viewSchema.safeParse(parseJson(data.slice(6)));
    if (!parsed.success) {
      // Kept in the history, where a test can see it; the stream itself goes on.
      this.mark('note', `malformed /leader/watch event from ${member}: ${data.slice(0, 200)}`);
      return;
    }
    const { id, fencingToken, term, isSelf } = parsed.data;
    this.views.push({ member, receivedAt: this.now(), leader: id, fencingToken, term, isSelf });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the schema check that follows reports it.
    return undefined;
  }
}
