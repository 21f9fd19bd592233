// Serving one resource request: routing to the registry by verb, authorizing it first (as the
// real handler chain does, before it knows whether the object exists), then encoding the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator, KubeUser } from './auth.js';
import { isJsonObject, metadataOf, stringAt, type JsonObject, type JsonValue } from './json.js';
import { listObjects, parseSelectors } from './list.js';
import { mediaTypeOf, negotiateResponse, requireJsonBody } from './negotiation.js';
import { patchObject } from './patch.js';
import type { FieldValidation, Registry } from './registry.js';
import { findResourceType, type ResourceType } from './resources.js';
import { exactNameOf } from './field-selector.js';
import { verbOf, type ResourcePath } from './routes.js';
import { badRequest, methodNotAllowed, pathNotFound } from './status.js';
import type { ObjectStore } from './store.js';
import { toTable, type IncludeObject } from './table.js';
import { serveWatch } from './watch.js';

/** What a resource request needs from the server. */
export interface HandlerContext {
  readonly registry: Registry;
  readonly store: ObjectStore;
  readonly authenticator: Authenticator;
  readonly bookmarkIntervalMs: number;
  readonly maxWatchTimeoutSeconds: number;
  /** Registers a running watch's stop function; returns the unregister function. */
  readonly trackWatch: (stop: () => void) => () => void;
}

/** One request's parsed parts. */
export interface ResourceRequest {
  readonly method: string;
  readonly path: ResourcePath;
  readonly query: URLSearchParams;
  readonly user: KubeUser;
  readonly body: string;
  readonly incoming: IncomingMessage;
}

/** Writes `body` as JSON with `code`, plus Warning headers. */
export function sendJson(
  response: ServerResponse,
  code: number,
  body: JsonObject,
  warnings: readonly string[] = [],
): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (warnings.length > 0)
    headers.Warning = warnings.map((warning) => `299 - ${JSON.stringify(warning)}`);
  response.writeHead(code, headers);
  response.end(text);
}

function parseJsonBody(body: string): JsonObject {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(body === '' ? '{}' : body) as JsonValue;
  } catch (error) {
    throw badRequest(
      `couldn't get version/kind; json parse error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isJsonObject(parsed))
    throw badRequest("couldn't get version/kind; json parse error: not a JSON object");
  return parsed;
}

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** The served type for a path; 404 when the path names none (or uses the wrong scope). */
function resolveType(path: ResourcePath): ResourceType {
  const type = findResourceType(path.group, path.version, path.plural);
  if (type === undefined) throw pathNotFound();
  if (!type.namespaced && path.namespace !== undefined) throw pathNotFound();
  if (path.subresource !== '' && !(path.subresource === 'status' && type.hasStatusSubresource))
    throw pathNotFound();
  return type;
}

/** Authorizes and serves one resource request; throws ApiError for every failure. */
export function handleResourceRequest(
  context: HandlerContext,
  request: ResourceRequest,
  response: ServerResponse,
): void {
  const { path, query } = request;
  const verb = verbOf(request.method, path, query);
  const isCollectionRead = path.name === '' && (verb === 'list' || verb === 'watch');
  context.authenticator.authorize(request.user, {
    verb: verb ?? request.method.toLowerCase(),
    group: path.group,
    resource: path.plural,
    subresource: path.subresource,
    namespace: path.namespace ?? '',
    name: isCollectionRead ? exactNameOf(query.get('fieldSelector') ?? '') : path.name,
  });
  const type = resolveType(path);
  if (verb === undefined) throw methodNotAllowed();
  if (path.subresource !== '' && !['get', 'update', 'patch'].includes(verb))
    throw methodNotAllowed();
  const namespace = type.namespaced ? path.namespace : '';
  if (namespace === undefined && verb !== 'list' && verb !== 'watch') throw pathNotFound();
  const isDryRun = query.get('dryRun') === 'All';
  const accept = request.incoming.headers.accept;
  switch (verb) {
    case 'get': {
      const object = context.registry.get(type, namespace ?? '', path.name);
      const format = negotiateResponse(accept, path.subresource === '', includeObjectOf(query));
      const resourceVersion = stringAt(metadataOf(object), 'resourceVersion') ?? '';
      sendJson(
        response,
        200,
        format.kind === 'table'
          ? toTable(type, [object], { resourceVersion }, format.includeObject, Date.now())
          : object,
      );
      return;
    }
    case 'list': {
      const format = negotiateResponse(accept, true, includeObjectOf(query));
      const list = listObjects(context.store, type, namespace, query);
      const items = Array.isArray(list.items) ? list.items.filter(isJsonObject) : [];
      const metadata = isJsonObject(list.metadata) ? list.metadata : {};
      sendJson(
        response,
        200,
        format.kind === 'table'
          ? toTable(type, items, metadata, format.includeObject, Date.now())
          : list,
      );
      return;
    }
    case 'watch': {
      const format = negotiateResponse(accept, true, includeObjectOf(query));
      const requested = Number(query.get('timeoutSeconds') ?? context.maxWatchTimeoutSeconds);
      const sendInitialEvents = query.get('sendInitialEvents') === 'true';
      const stop = serveWatch(
        context.store,
        {
          type,
          namespace,
          name: path.name,
          selectors: parseSelectors(type, query),
          resourceVersion: query.get('resourceVersion') ?? '',
          timeoutSeconds:
            Number.isFinite(requested) && requested > 0
              ? Math.min(requested, context.maxWatchTimeoutSeconds)
              : context.maxWatchTimeoutSeconds,
          allowBookmarks: query.get('allowWatchBookmarks') === 'true',
          sendInitialEvents,
          bookmarkIntervalMs: context.bookmarkIntervalMs,
          table: format.kind === 'table' ? format.includeObject : undefined,
        },
        response,
      );
      const untrack = context.trackWatch(stop);
      response.once('close', untrack);
      return;
    }
    case 'create': {
      requireJsonBody(request.incoming.headers['content-type']);
      const result = context.registry.create(
        type,
        namespace ?? '',
        parseJsonBody(request.body),
        fieldValidationOf(query),
        isDryRun,
      );
      sendJson(response, 201, result.object, result.warnings);
      return;
    }
    case 'update': {
      requireJsonBody(request.incoming.headers['content-type']);
      const result = context.registry.update(
        type,
        namespace ?? '',
        path.name,
        parseJsonBody(request.body),
        path.subresource,
        fieldValidationOf(query),
        isDryRun,
      );
      sendJson(response, 200, result.object, result.warnings);
      return;
    }
    case 'patch': {
      const result = patchObject(context.registry, {
        type,
        namespace: namespace ?? '',
        name: path.name,
        subresource: path.subresource,
        contentType: mediaTypeOf(request.incoming.headers['content-type']),
        body: request.body,
        query,
        validation: fieldValidationOf(query),
      });
      sendJson(response, 200, result.object, result.warnings);
      return;
    }
    case 'delete': {
      const options = request.body.trim() === '' ? {} : parseJsonBody(request.body);
      sendJson(
        response,
        200,
        context.registry.delete(type, namespace ?? '', path.name, options, isDryRun),
      );
      return;
    }
    case 'deletecollection': {
      const list = listObjects(context.store, type, namespace, query);
      const items = Array.isArray(list.items) ? list.items.filter(isJsonObject) : [];
      for (const item of items) {
        const metadata = metadataOf(item);
        context.registry.delete(
          type,
          stringAt(metadata, 'namespace') ?? '',
          stringAt(metadata, 'name') ?? '',
          {},
          isDryRun,
        );
      }
      sendJson(response, 200, list);
      return;
    }
    default:
      throw methodNotAllowed();
  }
}
