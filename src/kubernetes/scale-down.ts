// Whether this pod is being scaled away: the StatefulSet that owns it now wants fewer replicas
// than its ordinal needs. The Raft sidecar of such a pod leaves the member set before it exits.
import { z } from 'zod';
import type { KubernetesApi } from './api-client.js';
import { parseResponse } from './pod-client.js';

const podSchema = z.object({
  metadata: z.object({
    ownerReferences: z
      .array(z.object({ apiVersion: z.string(), kind: z.string(), name: z.string() }))
      .nullish(),
  }),
});

const statefulSetSchema = z.object({
  spec: z.object({ replicas: z.int().nonnegative().nullish() }),
});

export type ScaleDownVerdict =
  | {
      readonly isScaledAway: boolean;
      readonly statefulSet: string;
      readonly ordinal: number;
      readonly replicas: number;
    }
  | { readonly isScaledAway: false; readonly reason: string };

/**
 * Reads this pod's owner and, when it is a StatefulSet, that StatefulSet's replicas. Resolves
 * `isScaledAway: true` when the pod's ordinal (the number after its last dash) is no longer
 * below them. Rejects with KubernetesApiError when the API cannot tell (the caller then treats
 * the pod as restarting, not leaving).
 */
export async function checkScaleDown(
  api: KubernetesApi,
  namespace: string,
  podName: string,
  signal: AbortSignal,
): Promise<ScaleDownVerdict> {
  const podOperation = `get pod ${namespace}/${podName}`;
  const pod = parseResponse(
    podSchema,
    await api.request(
      podOperation,
      {
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`,
      },
      signal,
    ),
    podOperation,
  );
  const owner = pod.metadata.ownerReferences?.find(
    (reference) => reference.kind === 'StatefulSet' && reference.apiVersion.startsWith('apps/'),
  );
  if (owner === undefined) return { isScaledAway: false, reason: 'no StatefulSet owns this pod' };
  const match = /-(\d+)$/.exec(podName);
  if (match === null) return { isScaledAway: false, reason: `pod name ${podName} has no ordinal` };
  const ordinal = Number(match[1]);
  const setOperation = `get statefulset ${namespace}/${owner.name}`;
  const statefulSet = parseResponse(
    statefulSetSchema,
    await api.request(
      setOperation,
      {
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/statefulsets/${encodeURIComponent(owner.name)}`,
      },
      signal,
    ),
    setOperation,
  );
  const replicas = statefulSet.spec.replicas ?? 1;
  return { isScaledAway: ordinal >= replicas, statefulSet: owner.name, ordinal, replicas };
}
