import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { initialDurableState, type DurableState } from '../../../../src/core/raft/state.js';
import type { StepNotice, StepResult } from '../../../../src/core/raft/step-types.js';
import { Driver } from './fixtures.js';

/**
 * A few hand-driven members on a perfect network: messages are delivered only when the test
 * says so, each at the time given, so a test can hold, drop or reorder any of them.
 */
export class Network {
  readonly members = new Map<string, Driver>();
  readonly inFlight: PeerMessage[] = [];
  /** Messages to these members are dropped (a crashed or cut-off member). */
  readonly down = new Set<string>();
  /** Every notice any member reported, in order. */
  readonly notices: { readonly id: string; readonly notice: StepNotice }[] = [];

  add(
    id: string,
    members: readonly string[],
    durable: DurableState = initialDurableState,
    now = 0,
  ): Driver {
    const driver = new Driver({ id, members, durable, now, seed: id.charCodeAt(0) });
    this.members.set(id, driver);
    return driver;
  }

  member(id: string): Driver {
    const driver = this.members.get(id);
    if (driver === undefined) throw new Error(`no member ${id}`);
    return driver;
  }

  /** Ticks `id` at `now` and queues what it sends. */
  tick(id: string, now: number): void {
    this.collect(id, this.member(id).tick(now));
  }

  private collect(id: string, result: StepResult): void {
    this.inFlight.push(...result.send);
    for (const notice of result.notices) this.notices.push({ id, notice });
  }

  /** Delivers queued messages (and the answers they cause) until none is left; returns them. */
  settle(now: number, keep: (message: PeerMessage) => boolean = () => true): PeerMessage[] {
    const delivered: PeerMessage[] = [];
    for (let guard = 0; this.inFlight.length > 0; guard++) {
      if (guard > 10_000) throw new Error('messages never settle');
      const message = this.inFlight.shift();
      if (message === undefined) break;
      const target = this.members.get(message.to);
      if (target === undefined || this.down.has(message.to) || !keep(message)) continue;
      delivered.push(message);
      this.collect(message.to, target.receive(message, now));
    }
    return delivered;
  }

  /** Ticks every member at `now`, then settles. */
  round(now: number): PeerMessage[] {
    for (const id of this.members.keys()) if (!this.down.has(id)) this.tick(id, now);
    return this.settle(now);
  }

  /** Runs rounds every `stepMs` until `done` or `untilMs`; returns the time reached. */
  runUntil(from: number, untilMs: number, stepMs: number, done: () => boolean): number {
    let now = from;
    while (now <= untilMs && !done()) {
      this.round(now);
      now += stepMs;
    }
    return now;
  }
}
