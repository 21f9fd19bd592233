// The pod and event requests elector makes, with the answers parsed by zod at the boundary.
import { z } from 'zod';
import { MalformedResponseError, toKubernetesError } from './api-errors.js';
import type { KubernetesApi } from './api-client.js';

const metadataSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string(),
  labels: z.record(z.string(), z.string()).nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
});

const podSchema = z.object({
  metadata: metadataSchema,
  status: z
    .object({
      conditions: z.array(z.object({ type: z.string(), status: z.string() })).nullish(),
    })
    .nullish(),
});

const podListSchema = z.object({ items: z.array(podSchema) });

/** A pod as elector needs it: identity, resourceVersion, labels, annotations, conditions. */
export interface PodSnapshot {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string | null;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** status.conditions by type: "True", "False" or "Unknown". */
  readonly conditions: Readonly<Record<string, string>>;
}

/** A pod status condition as elector writes it for a readiness gate. */
export interface PodCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** A core/v1 Event about a pod. */
export interface PodEvent {
  readonly name: string;
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  /** Who reports it, e.g. "elector". */
  readonly component: string;
  /** Which instance reports it (the pod name). */
  readonly instance: string;
  /** Wall-clock time, RFC 3339 in whole seconds. */
  readonly time: string;
  readonly pod: { readonly name: string; readonly namespace: string; readonly uid: string | null };
}

const mergePatchType = 'application/merge-patch+json';
const strategicMergePatchType = 'application/strategic-merge-patch+json';

function podPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

function toSnapshot(pod: z.infer<typeof podSchema>, fallbackNamespace: string): PodSnapshot {
  const conditions: Record<string, string> = {};
  for (const condition of pod.status?.conditions ?? [])
    conditions[condition.type] = condition.status;
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? fallbackNamespace,
    uid: pod.metadata.uid ?? null,
    resourceVersion: pod.metadata.resourceVersion,
    labels: pod.metadata.labels ?? {},
    annotations: pod.metadata.annotations ?? {},
    conditions,
  };
}

/** Parses an API answer with `schema`; rejects with KubernetesApiError naming what did not fit. */
export function parseResponse<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : `${issue.path.map(String).join('.')}: ${issue.message}`;
  throw toKubernetesError(new MalformedResponseError(where), operation);
}

/** GET one pod; rejects with KubernetesApiError (404 NotFound when it does not exist). */
export async function getPod(
  api: KubernetesApi,
  namespace: string,
  name: string,
  signal: AbortSignal,
): Promise<PodSnapshot> {
  const operation = `get pod ${namespace}/${name}`;
  const body = await api.request(
    operation,
    { method: 'GET', path: podPath(namespace, name) },
    signal,
  );
  return toSnapshot(parseResponse(podSchema, body, operation), namespace);
}

/** LIST the pods of a namespace that match `labelSelector`. */
export async function listPods(
  api: KubernetesApi,
  namespace: string,
  labelSelector: string,
  signal: AbortSignal,
): Promise<PodSnapshot[]> {
  const operation = `list pods in ${namespace} (${labelSelector})`;
  const body = await api.request(
    operation,
    { method: 'GET', path: podPath(namespace), query: { labelSelector } },
    signal,
  );
  return parseResponse(podListSchema, body, operation).items.map((pod) =>
    toSnapshot(pod, namespace),
  );
}

/** What to change in a pod's metadata; a null value removes the key. */
export interface MetadataChange {
  /** Precondition: the write fails with 409 Conflict unless the pod is still at this version. */
  readonly resourceVersion: string;
  readonly labels?: Readonly<Record<string, string | null>>;
  readonly annotations?: Readonly<Record<string, string | null>>;
}

/**
 * Changes labels and annotations with a JSON merge patch that carries metadata.resourceVersion,
 * which the apiserver treats as a precondition: a pod changed since it was read answers 409
 * Conflict, so a delayed write can never overwrite a newer decision.
 */
export async function patchPodMetadata(
  api: KubernetesApi,
  namespace: string,
  name: string,
  change: MetadataChange,
  signal: AbortSignal,
): Promise<PodSnapshot> {
  const operation = `patch pod ${namespace}/${name}`;
  const metadata: Record<string, unknown> = { resourceVersion: change.resourceVersion };
  if (change.labels !== undefined) metadata.labels = change.labels;
  if (change.annotations !== undefined) metadata.annotations = change.annotations;
  const body = await api.request(
    operation,
    {
      method: 'PATCH',
      path: podPath(namespace, name),
      body: { metadata },
      contentType: mergePatchType,
    },
    signal,
  );
  return toSnapshot(parseResponse(podSchema, body, operation), namespace);
}

/**
 * Sets one status condition through the pods/status subresource with a strategic merge patch
 * (conditions merge by `type`, so the kubelet's own conditions are kept), under the same
 * resourceVersion precondition as patchPodMetadata.
 */
export async function patchPodCondition(
  api: KubernetesApi,
  namespace: string,
  name: string,
  resourceVersion: string,
  condition: PodCondition,
  lastTransitionTime: string,
  signal: AbortSignal,
): Promise<PodSnapshot> {
  const operation = `patch pod ${namespace}/${name} status`;
  const body = await api.request(
    operation,
    {
      method: 'PATCH',
      path: `${podPath(namespace, name)}/status`,
      body: {
        metadata: { resourceVersion },
        status: { conditions: [{ ...condition, lastTransitionTime }] },
      },
      contentType: strategicMergePatchType,
    },
    signal,
  );
  return toSnapshot(parseResponse(podSchema, body, operation), namespace);
}

/** Creates a core/v1 Event whose involvedObject is the pod (what `kubectl describe pod` lists). */
export async function createPodEvent(
  api: KubernetesApi,
  event: PodEvent,
  signal: AbortSignal,
): Promise<void> {
  const namespace = event.pod.namespace;
  await api.request(
    `create event ${namespace}/${event.name}`,
    {
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: event.name, namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: event.pod.name,
          namespace,
          ...(event.pod.uid === null ? {} : { uid: event.pod.uid }),
        },
        reason: event.reason,
        message: event.message,
        type: event.type,
        source: { component: event.component },
        firstTimestamp: event.time,
        lastTimestamp: event.time,
        count: 1,
        reportingComponent: event.component,
        reportingInstance: event.instance,
      },
    },
    signal,
  );
}
