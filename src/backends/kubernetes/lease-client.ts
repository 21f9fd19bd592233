// coordination.k8s.io/v1 Lease requests: read, create, replace under a resourceVersion
// precondition, and watch one Lease by name. Answers are parsed by zod at the boundary.
import { z } from 'zod';
import { MalformedResponseError, toKubernetesError } from '../../kubernetes/api-errors.js';
import type { KubernetesApi } from '../../kubernetes/api-client.js';

const leaseSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    resourceVersion: z.string(),
    annotations: z.record(z.string(), z.string()).nullish(),
  }),
  spec: z
    .looseObject({
      holderIdentity: z.string().nullish(),
      leaseDurationSeconds: z.number().int().nullish(),
      acquireTime: z.string().nullish(),
      renewTime: z.string().nullish(),
      leaseTransitions: z.number().int().nullish(),
    })
    .nullish(),
});

const watchLineSchema = z.object({ type: z.string(), object: z.looseObject({}) });
const statusSchema = z.object({
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** The election record a Lease holds (client-go's LeaderElectionRecord, as Lease fields). */
interface LeaseSpec {
  /** Empty or null: nobody holds the lease (never taken, or released). */
  readonly holderIdentity: string | null;
  readonly leaseDurationSeconds: number | null;
  /** RFC 3339 MicroTime, wall clock of the writer: for display, never for expiry. */
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  readonly leaseTransitions: number | null;
}

/** A Lease as read: its spec, annotations, resourceVersion, and the raw object to write back. */
export interface LeaseSnapshot {
  readonly name: string;
  readonly resourceVersion: string;
  readonly spec: LeaseSpec;
  readonly annotations: Readonly<Record<string, string>>;
  /** The object as served, so a replace keeps fields elector does not know about. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export type LeaseWatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly lease: LeaseSnapshot }
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | {
      readonly type: 'ERROR';
      readonly code: number;
      readonly reason: string;
      readonly message: string;
    };

/** MicroTime as the apiserver wants it: RFC 3339 with exactly six fractional digits, UTC. */
export function microTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function leasePath(namespace: string, name?: string): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

function toSnapshot(value: unknown): LeaseSnapshot | null {
  const parsed = leaseSchema.safeParse(value);
  if (!parsed.success) return null;
  const lease = parsed.data;
  const spec = lease.spec ?? {};
  return {
    name: lease.metadata.name,
    resourceVersion: lease.metadata.resourceVersion,
    spec: {
      holderIdentity: spec.holderIdentity ?? null,
      leaseDurationSeconds: spec.leaseDurationSeconds ?? null,
      acquireTime: spec.acquireTime ?? null,
      renewTime: spec.renewTime ?? null,
      leaseTransitions: spec.leaseTransitions ?? null,
    },
    annotations: lease.metadata.annotations ?? {},
    raw: lease,
  };
}

function parseLease(value: unknown, operation: string): LeaseSnapshot {
  const snapshot = toSnapshot(value);
  if (snapshot === null) {
    throw toKubernetesError(new MalformedResponseError('not a Lease'), operation);
  }
  return snapshot;
}

/** GET the Lease; rejects with KubernetesApiError, 404 NotFound when it does not exist. */
export async function getLease(
  api: KubernetesApi,
  namespace: string,
  name: string,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<LeaseSnapshot> {
  const operation = `get lease ${namespace}/${name}`;
  const body = await api.request(
    operation,
    {
      method: 'GET',
      path: leasePath(namespace, name),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
    signal,
  );
  return parseLease(body, operation);
}

/** The spec and annotation changes of one write; a null annotation value removes the key. */
export interface LeaseWrite {
  readonly spec: LeaseSpec;
  readonly annotations: Readonly<Record<string, string | null>>;
}

function specBody(spec: LeaseSpec): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (spec.holderIdentity !== null && spec.holderIdentity !== '')
    body.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== null) body.leaseDurationSeconds = spec.leaseDurationSeconds;
  if (spec.acquireTime !== null) body.acquireTime = spec.acquireTime;
  if (spec.renewTime !== null) body.renewTime = spec.renewTime;
  if (spec.leaseTransitions !== null) body.leaseTransitions = spec.leaseTransitions;
  return body;
}

function mergedAnnotations(
  base: Readonly<Record<string, string>>,
  changes: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const result: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = value;
  }
  return result;
}

/**
 * Creates the Lease (when `base` is null) or replaces it under `base.resourceVersion`: a Lease
 * written by anyone since `base` was read answers 409 Conflict, and a concurrent create 409
 * AlreadyExists. That precondition is what keeps two members from both taking the lease.
 */
export async function writeLease(
  api: KubernetesApi,
  namespace: string,
  name: string,
  base: LeaseSnapshot | null,
  write: LeaseWrite,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<LeaseSnapshot> {
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  if (base === null) {
    const operation = `create lease ${namespace}/${name}`;
    const annotations = mergedAnnotations({}, write.annotations);
    const body = await api.request(
      operation,
      {
        method: 'POST',
        path: leasePath(namespace),
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name,
            namespace,
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
          },
          spec: specBody(write.spec),
        },
        ...timeout,
      },
      signal,
    );
    return parseLease(body, operation);
  }
  const operation = `update lease ${namespace}/${name}`;
  const rawMetadata = base.raw.metadata;
  const rawSpec = base.raw.spec;
  const keptSpec: Record<string, unknown> = {};
  if (typeof rawSpec === 'object' && rawSpec !== null) {
    // Keep fields elector does not manage (strategy, preferredHolder); replace the record fields.
    for (const [key, value] of Object.entries(rawSpec)) {
      if (
        ![
          'holderIdentity',
          'leaseDurationSeconds',
          'acquireTime',
          'renewTime',
          'leaseTransitions',
        ].includes(key)
      ) {
        keptSpec[key] = value;
      }
    }
  }
  const body = await api.request(
    operation,
    {
      method: 'PUT',
      path: leasePath(namespace, name),
      body: {
        ...base.raw,
        metadata: {
          ...(typeof rawMetadata === 'object' && rawMetadata !== null ? rawMetadata : {}),
          resourceVersion: base.resourceVersion,
          annotations: mergedAnnotations(base.annotations, write.annotations),
        },
        spec: { ...keptSpec, ...specBody(write.spec) },
      },
      ...timeout,
    },
    signal,
  );
  return parseLease(body, operation);
}

/**
 * Watches one Lease (fieldSelector metadata.name) from `resourceVersion` ('' for "now", with the
 * current object sent as ADDED). Resolves when the server ends the stream (timeoutSeconds);
 * rejects with KubernetesApiError. Lines that are not watch events are passed to `onMalformed`
 * and dropped.
 */
export async function watchLease(
  api: KubernetesApi,
  namespace: string,
  name: string,
  resourceVersion: string,
  timeoutSeconds: number,
  signal: AbortSignal,
  onEvent: (event: LeaseWatchEvent) => void,
  onMalformed: (line: string) => void,
): Promise<void> {
  await api.stream(
    `watch lease ${namespace}/${name}`,
    {
      method: 'GET',
      path: leasePath(namespace),
      query: {
        watch: 'true',
        fieldSelector: `metadata.name=${name}`,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
        ...(resourceVersion === '' ? {} : { resourceVersion }),
      },
    },
    signal,
    (line) => {
      const event = parseWatchLine(line);
      if (event === null) onMalformed(line);
      else onEvent(event);
    },
  );
}

function parseWatchLine(line: string): LeaseWatchEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch {
    return null;
  }
  const parsed = watchLineSchema.safeParse(value);
  if (!parsed.success) return null;
  const { type, object } = parsed.data;
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      const lease = toSnapshot(object);
      return lease === null ? null : { type, lease };
    }
    case 'BOOKMARK': {
      const metadata = z.object({ resourceVersion: z.string() }).safeParse(object.metadata);
      return metadata.success ? { type, resourceVersion: metadata.data.resourceVersion } : null;
    }
    case 'ERROR': {
      const status = statusSchema.safeParse(object);
      if (!status.success) return null;
      return {
        type,
        code: status.data.code ?? 0,
        reason: status.data.reason ?? 'Unknown',
        message: status.data.message ?? '',
      };
    }
    default:
      return null;
  }
}
