// Object storage with one global resourceVersion counter and a bounded event history, the way
// etcd backs the real apiserver: every write gets the next revision, and watches resume from
// the history until it has been compacted past their revision.
import { cloneJson, metadataOf, stringAt, type JsonObject } from './json.js';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, in stored (not served) form; `object` carries its new resourceVersion. */
export interface StoredEvent {
  readonly revision: number;
  readonly storage: string;
  readonly type: WatchEventType;
  readonly object: JsonObject;
  /** For MODIFIED: the object as it was before, so watches can tell selector transitions. */
  readonly previous?: JsonObject;
}

/** Events after a revision, or 'expired' when the history no longer reaches back that far. */
export type HistoryResult = readonly StoredEvent[] | 'expired';

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ObjectStore {
  private revision = 0;
  private compactedRevision = 0;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(private readonly historyLimit: number) {}

  /** The revision of the latest write (what a list reports as its resourceVersion). */
  currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch may still resume from. */
  oldestResumableRevision(): number {
    return this.compactedRevision;
  }

  /** A copy of the stored object, or undefined when there is none. */
  get(storage: string, namespace: string, name: string): JsonObject | undefined {
    const object = this.objects.get(storage)?.get(keyOf(namespace, name));
    return object === undefined ? undefined : cloneJson(object);
  }

  /** Copies of the stored objects, in one namespace or all when `namespace` is undefined. */
  list(storage: string, namespace: string | undefined): JsonObject[] {
    const bucket = this.objects.get(storage);
    if (bucket === undefined) return [];
    return [...bucket.entries()]
      .filter(([key]) => namespace === undefined || key.startsWith(`${namespace}/`))
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([, object]) => cloneJson(object));
  }

  /**
   * Writes `object` (ADDED when new, MODIFIED otherwise) under the next revision and returns
   * the stored copy. The caller has already checked preconditions.
   */
  put(storage: string, object: JsonObject): JsonObject {
    const metadata = metadataOf(object);
    const namespace = stringAt(metadata, 'namespace') ?? '';
    const name = stringAt(metadata, 'name') ?? '';
    const bucket = this.objects.get(storage) ?? new Map<string, JsonObject>();
    this.objects.set(storage, bucket);
    const previous = bucket.get(keyOf(namespace, name));
    this.revision += 1;
    metadata.resourceVersion = String(this.revision);
    const stored = cloneJson(object);
    bucket.set(keyOf(namespace, name), stored);
    this.record(
      previous === undefined
        ? { revision: this.revision, storage, type: 'ADDED', object: cloneJson(stored) }
        : {
            revision: this.revision,
            storage,
            type: 'MODIFIED',
            object: cloneJson(stored),
            previous,
          },
    );
    return cloneJson(stored);
  }

  /** Removes the object; the DELETED event carries the deletion's own revision. */
  remove(storage: string, namespace: string, name: string): JsonObject | undefined {
    const bucket = this.objects.get(storage);
    const existing = bucket?.get(keyOf(namespace, name));
    if (bucket === undefined || existing === undefined) return undefined;
    bucket.delete(keyOf(namespace, name));
    this.revision += 1;
    const deleted = cloneJson(existing);
    metadataOf(deleted).resourceVersion = String(this.revision);
    this.record({ revision: this.revision, storage, type: 'DELETED', object: cloneJson(deleted) });
    return deleted;
  }

  /** The events of `storage` after `revision`, oldest first. */
  eventsAfter(storage: string, revision: number): HistoryResult {
    if (revision < this.compactedRevision) return 'expired';
    return this.history.filter((event) => event.revision > revision && event.storage === storage);
  }

  /** Forgets all history, so a watch from any earlier revision gets 410 Expired. */
  compact(): void {
    this.history = [];
    this.compactedRevision = this.revision;
  }

  /** Calls `listener` for every later write; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped !== undefined) this.compactedRevision = dropped.revision;
    }
    for (const listener of this.listeners) listener(event);
  }
}
