import type { DurableState } from '../../../core/raft/state.js';
import type { LoadedState } from './state-file-format.js';

/**
 * Where a member keeps its durable Raft state: term and vote, configuration entry, founding
 * promise, and its member lists. Raft's safety rests on them surviving a crash: a member that
 * forgets its vote can vote twice in one term, and two leaders can win it (Raft paper §5.2,
 * Figure 2 "Persistent state on all servers"). The driver saves before it sends any message
 * that depends on the new state.
 */
export interface DurableStateStore {
  /**
   * Resolves with the state of the last save that resolved, or with `initialDurableState`
   * when nothing was ever saved (not found is term 0, no vote, no configuration). Waits for
   * saves already started. Rejects with ElectorError STATE_CORRUPT when saved state exists but
   * cannot be trusted; it never falls back to the initial state then, because that would
   * forget a vote. Rejects with STATE_UNWRITABLE when the directory cannot be used at all
   * (a path component is a file, no permission, an I/O error): the volume is at fault, not the
   * content.
   */
  load(): Promise<LoadedState>;
  /**
   * Resolves once `state` is durable: after a crash, `load` returns it or a later save.
   * Saves run one at a time in call order, so the last call wins. Rejects with ElectorError
   * STATE_UNWRITABLE (retryable) when it could not be written and synced, leaving the
   * previous state in place; rejects with INTERNAL when `state` itself is invalid.
   */
  save(state: DurableState): Promise<void>;
  /**
   * Resolves once a write, sync and rename like those that lay the state file out succeeded in
   * the store's place, without touching the state; rejects with STATE_UNWRITABLE as `save` does. Stores
   * that cannot fail to write (the in-memory twin) leave it out.
   */
  checkWritable?(): Promise<void>;
}

export { initialDurableState } from '../../../core/raft/state.js';
