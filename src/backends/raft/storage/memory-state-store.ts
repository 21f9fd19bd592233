import { initialDurableState, type DurableState } from '../../../core/raft/state.js';
import type { DurableStateStore } from './durable-state-store.js';
import { validateDurableState } from './durable-state-schema.js';
import { SerialQueue } from './serial-queue.js';

/**
 * The in-memory twin of FileStateStore, with the same contract except durability across
 * processes: keep the object to model a restart (a simulated crash loses nothing saved).
 */
export class MemoryStateStore implements DurableStateStore {
  readonly #queue = new SerialQueue();
  #state: DurableState;
  #saveCount = 0;

  constructor(initial: DurableState = initialDurableState) {
    this.#state = validateDurableState(initial);
  }

  load(): Promise<DurableState> {
    return this.#queue.run(() => Promise.resolve(this.#state));
  }

  async save(state: DurableState): Promise<void> {
    // Validated before queueing, and queued synchronously, so saves keep their call order.
    const valid = validateDurableState(state);
    await this.#queue.run(() => {
      this.#state = valid;
      this.#saveCount += 1;
      return Promise.resolve();
    });
  }

  /** How many saves completed; lets tests check that state was persisted before sending. */
  get saveCount(): number {
    return this.#saveCount;
  }
}
