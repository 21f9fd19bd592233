// The parts of Kubernetes objects these tests read, as zod schemas: what kubectl prints is
// unknown until parsed. Loose objects keep the fields they do not name (pods are built from them).
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

const envVarSchema = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({
      fieldRef: z.object({ fieldPath: z.string() }).optional(),
      secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional(),
    })
    .optional(),
});
export type EnvVar = z.infer<typeof envVarSchema>;

export const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVarSchema).optional(),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })).optional(),
  volumeMounts: z
    .array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() }))
    .optional(),
  readinessProbe: z
    .object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) })
    .optional(),
});
export type Container = z.infer<typeof containerSchema>;

const volumeSchema = z.looseObject({
  name: z.string(),
  secret: z
    .object({
      secretName: z.string(),
      items: z.array(z.object({ key: z.string(), path: z.string() })).optional(),
    })
    .optional(),
  emptyDir: z.object({}).optional(),
  projected: z
    .looseObject({
      sources: z.array(z.looseObject({ serviceAccountToken: z.looseObject({}).optional() })),
    })
    .optional(),
});
export type Volume = z.infer<typeof volumeSchema>;

const podSpecSchema = z.looseObject({
  serviceAccountName: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  containers: z.array(containerSchema),
  volumes: z.array(volumeSchema).optional(),
  readinessGates: z.array(z.object({ conditionType: z.string() })).optional(),
});
export type PodSpec = z.infer<typeof podSpecSchema>;

const podTemplateSchema = z.looseObject({
  metadata: z.looseObject({ labels: labels.optional() }),
  spec: podSpecSchema,
});

export const statefulSetSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string().optional() }),
  spec: z.looseObject({
    replicas: z.number(),
    serviceName: z.string(),
    podManagementPolicy: z.string().optional(),
    selector: z.object({ matchLabels: labels }),
    template: podTemplateSchema,
    volumeClaimTemplates: z
      .array(z.looseObject({ metadata: z.looseObject({ name: z.string() }) }))
      .optional(),
  }),
});
export type StatefulSet = z.infer<typeof statefulSetSchema>;

export const serviceSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    clusterIP: z.string().optional(),
    publishNotReadyAddresses: z.boolean().optional(),
    selector: labels,
    ports: z.array(
      z.object({
        name: z.string().optional(),
        port: z.number(),
        targetPort: z.union([z.string(), z.number()]).optional(),
      }),
    ),
  }),
});
export type Service = z.infer<typeof serviceSchema>;

const policyRuleSchema = z.object({
  apiGroups: z.array(z.string()),
  resources: z.array(z.string()),
  verbs: z.array(z.string()),
  resourceNames: z.array(z.string()).optional(),
});
export type PolicyRuleJson = z.infer<typeof policyRuleSchema>;

export const roleSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  rules: z.array(policyRuleSchema),
});

export const roleBindingSchema = z.looseObject({
  roleRef: z.object({ kind: z.string(), name: z.string() }),
  subjects: z.array(
    z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() }),
  ),
});

export const secretSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    annotations: labels.optional(),
  }),
  data: z.record(z.string(), z.string()).optional(),
});

export const podSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), labels: labels.optional() }),
});

/** A List as `kubectl get -o json` prints it. */
export function listOf<T extends z.ZodType>(item: T): z.ZodObject<{ items: z.ZodArray<T> }> {
  return z.object({ items: z.array(item) });
}

/** Whether every label of `selector` is on `labels` (a Service or matchLabels selector). */
export function selects(
  selector: Readonly<Record<string, string>>,
  podLabels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([key, value]) => podLabels[key] === value);
}
