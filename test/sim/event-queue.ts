/** A min-heap of timed events; ties break by insertion order, so runs replay exactly. */
export class EventQueue<T> {
  private readonly heap: { time: number; sequence: number; item: T }[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  push(time: number, item: T): void {
    this.heap.push({ time, sequence: this.nextSequence++, item });
    let index = this.heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.isBefore(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  pop(): { time: number; item: T } | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < this.heap.length && this.isBefore(left, smallest)) smallest = left;
        if (right < this.heap.length && this.isBefore(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.swap(index, smallest);
        index = smallest;
      }
    }
    return { time: top.time, item: top.item };
  }

  private isBefore(a: number, b: number): boolean {
    const first = this.heap[a];
    const second = this.heap[b];
    if (first === undefined || second === undefined) return false;
    return (
      first.time < second.time || (first.time === second.time && first.sequence < second.sequence)
    );
  }

  private swap(a: number, b: number): void {
    const first = this.heap[a];
    const second = this.heap[b];
    if (first === undefined || second === undefined) return;
    this.heap[a] = second;
    this.heap[b] = first;
  }
}
