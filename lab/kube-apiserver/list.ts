// LIST: selectors, limit/continue paging and the list's resourceVersion.
import { toServed } from './conversion.js';
import {
  matchesFieldSelector,
  parseFieldSelector,
  type FieldRequirement,
} from './field-selector.js';
import { labelsOf, metadataOf, stringAt, type JsonObject } from './json.js';
import {
  matchesLabelSelector,
  parseLabelSelector,
  type LabelRequirement,
} from './label-selector.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { badRequest } from './status.js';
import type { ObjectStore } from './store.js';

/** The selectors of a list or watch request, parsed once. */
export interface Selectors {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

export function parseSelectors(type: ResourceType, query: URLSearchParams): Selectors {
  return {
    labels: parseLabelSelector(query.get('labelSelector') ?? ''),
    fields: parseFieldSelector(query.get('fieldSelector') ?? '', type),
  };
}

/** True when a served object passes both selectors. */
export function matchesSelectors(selectors: Selectors, served: JsonObject): boolean {
  return (
    matchesLabelSelector(selectors.labels, labelsOf(served)) &&
    matchesFieldSelector(selectors.fields, served)
  );
}

function keyOf(object: JsonObject): string {
  const metadata = metadataOf(object);
  return `${stringAt(metadata, 'namespace') ?? ''}/${stringAt(metadata, 'name') ?? ''}`;
}

function decodeContinue(token: string): { after: string; revision: number } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof decoded === 'object' &&
      decoded !== null &&
      'after' in decoded &&
      'revision' in decoded &&
      typeof decoded.after === 'string' &&
      typeof decoded.revision === 'number'
    ) {
      return { after: decoded.after, revision: decoded.revision };
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/**
 * The served objects of `type` (in `namespace`, or all namespaces when undefined) that match the
 * query's selectors, as a <Kind>List. `limit` pages by key; the continue token carries the key.
 */
export function listObjects(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
): JsonObject {
  const selectors = parseSelectors(type, query);
  const continueToken = query.get('continue') ?? '';
  const start = continueToken === '' ? undefined : decodeContinue(continueToken);
  const matching = store
    .list(type.storage, namespace)
    .map((stored) => toServed(type, stored))
    .filter((served) => matchesSelectors(selectors, served))
    .filter((served) => start === undefined || keyOf(served) > start.after);
  const limit = Number(query.get('limit') ?? '0');
  const revision = start?.revision ?? store.currentRevision();
  const page = Number.isInteger(limit) && limit > 0 ? matching.slice(0, limit) : matching;
  const last = page.at(-1);
  const hasMore = page.length < matching.length && last !== undefined;
  const metadata: JsonObject = { resourceVersion: String(store.currentRevision()) };
  if (hasMore) {
    metadata.continue = Buffer.from(JSON.stringify({ after: keyOf(last), revision })).toString(
      'base64url',
    );
    metadata.remainingItemCount = matching.length - page.length;
  }
  return { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items: page };
}
