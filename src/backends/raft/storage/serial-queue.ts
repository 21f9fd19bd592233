/** Runs async tasks one at a time, in the order they were queued. */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves or rejects as `task` does, once every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // The queue only needs to know the task settled; its outcome goes to the caller via `result`.
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
