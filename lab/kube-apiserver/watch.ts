// WATCH: a chunked stream of {"type","object"} lines. Without a resourceVersion (or with "0") it
// starts with synthetic ADDED events for the current objects; with one it replays the history
// after it, or sends a single ERROR event with a 410 Expired Status when that history is gone
// (the cacher's behaviour: HTTP 200, then the error as an event).
import type { ServerResponse } from 'node:http';
import { toServed } from './conversion.js';
import { metadataOf, stringAt, type JsonObject } from './json.js';
import { matchesSelectors, type Selectors } from './list.js';
import type { ResourceType } from './resources.js';
import { badRequest, expired } from './status.js';
import type { ObjectStore, StoredEvent } from './store.js';
import { toTable, type IncludeObject } from './table.js';

/** What one watch request asked for. */
export interface WatchRequest {
  readonly type: ResourceType;
  /** undefined: all namespaces. */
  readonly namespace: string | undefined;
  /** '' to watch the whole collection. */
  readonly name: string;
  readonly selectors: Selectors;
  readonly resourceVersion: string;
  readonly timeoutSeconds: number;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly bookmarkIntervalMs: number;
  /** Table output for `kubectl get -w`, or undefined for plain objects. */
  readonly table: IncludeObject | undefined;
}

function parseResourceVersion(value: string): number | undefined {
  if (value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) {
    throw badRequest(
      `resourceVersion: Invalid value: "${value}": strconv.ParseUint: parsing "${value}": invalid syntax`,
    );
  }
  return Number(value);
}

/**
 * Serves one watch until the client goes, the timeout passes or `stop` is called. Returns the
 * stop function, which ends the stream as a server restart would.
 */
export function serveWatch(
  store: ObjectStore,
  request: WatchRequest,
  response: ServerResponse,
): () => void {
  const { type } = request;
  const from = parseResourceVersion(request.resourceVersion);
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  });
  response.flushHeaders();
  let hasSentColumns = false;
  const write = (eventType: string, object: JsonObject): void => {
    let payload = object;
    if (request.table !== undefined && eventType !== 'ERROR' && eventType !== 'BOOKMARK') {
      payload = toTable(
        type,
        [object],
        { resourceVersion: stringAt(metadataOf(object), 'resourceVersion') ?? '' },
        request.table,
        Date.now(),
      );
      if (hasSentColumns) payload.columnDefinitions = [];
      hasSentColumns = true;
    }
    response.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
  };
  const isInScope = (served: JsonObject): boolean => {
    const metadata = metadataOf(served);
    if (
      request.namespace !== undefined &&
      (stringAt(metadata, 'namespace') ?? '') !== request.namespace
    )
      return false;
    return request.name === '' || stringAt(metadata, 'name') === request.name;
  };
  const matches = (served: JsonObject): boolean =>
    isInScope(served) && matchesSelectors(request.selectors, served);
  const deliver = (event: StoredEvent): void => {
    if (event.storage !== type.storage) return;
    const served = toServed(type, event.object);
    const isMatch = matches(served);
    const wasMatch = event.previous !== undefined && matches(toServed(type, event.previous));
    if (event.type === 'MODIFIED' && isMatch !== wasMatch) {
      // An object that enters or leaves the selection is ADDED or DELETED for this watcher.
      write(isMatch ? 'ADDED' : 'DELETED', served);
    } else if (isMatch) {
      write(event.type, served);
    }
  };
  const bookmark = (annotations?: JsonObject): void => {
    const metadata: JsonObject = { resourceVersion: String(store.currentRevision()) };
    if (annotations !== undefined) metadata.annotations = annotations;
    write('BOOKMARK', {
      kind: type.kind,
      apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
      metadata,
    });
  };

  if (from === undefined || request.sendInitialEvents) {
    for (const stored of store.list(type.storage, request.namespace)) {
      const served = toServed(type, stored);
      if (matches(served)) write('ADDED', served);
    }
    if (request.sendInitialEvents && request.allowBookmarks)
      bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const history = store.eventsAfter(type.storage, from);
    if (history === 'expired') {
      write(
        'ERROR',
        expired(`too old resource version: ${from} (${store.oldestResumableRevision()})`).status,
      );
      response.end();
      return () => undefined;
    }
    for (const event of history) deliver(event);
  }

  const unsubscribe = store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    if (!response.writableEnded) response.end();
  };
  timers.push(setTimeout(stop, request.timeoutSeconds * 1000));
  if (request.allowBookmarks && request.bookmarkIntervalMs > 0) {
    const interval = setInterval(() => {
      bookmark();
    }, request.bookmarkIntervalMs);
    timers.push(interval);
  }
  response.once('close', stop);
  return stop;
}
