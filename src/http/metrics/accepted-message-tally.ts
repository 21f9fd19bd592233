import type { Counter } from 'prom-client';

type Direction = 'in' | 'out';

/**
 * Accepted peer messages, counted in plain maps and added to their counter only when it is
 * read (a scrape): a Raft mesh accepts dozens a second, and every prom-client `inc` checks and
 * hashes its label set, work nobody needs until the next scrape.
 */
export class AcceptedMessageTally {
  readonly #pending: Readonly<Record<Direction, Map<string, number>>> = {
    in: new Map(),
    out: new Map(),
  };

  /** One message of `messageType` (one of a fixed set of labels) accepted in `direction`. */
  count(direction: Direction, messageType: string): void {
    const pending = this.#pending[direction];
    pending.set(messageType, (pending.get(messageType) ?? 0) + 1);
  }

  /** Adds everything counted since the last call to `counter`, as result="accepted". */
  drainInto(counter: Counter<'type' | 'direction' | 'result'>): void {
    for (const direction of ['in', 'out'] as const) {
      const pending = this.#pending[direction];
      for (const [type, count] of pending) {
        counter.inc({ type, direction, result: 'accepted' }, count);
      }
      pending.clear();
    }
  }
}
