// The environment the kubelet gives a container: values with $(VAR) expansion, downward-API
// fieldRefs and secretKeyRefs, in the order the pod spec lists them, after the image's ENV.
import type { EnvVar } from './objects.js';

/** Kubernetes' $(VAR) expansion of env values: defined names are replaced, $$ escapes. */
function expandVariables(text: string, defined: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (name === undefined) return '$';
    return defined[name] ?? match;
  });
}

export interface PodFacts {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly podIp: string;
  /** The pod's labels, for `metadata.labels['<key>']`; none when left out. */
  readonly labels?: Readonly<Record<string, string>>;
}

function fieldValue(fieldPath: string, pod: PodFacts): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.podIP':
      return pod.podIp;
    default: {
      // The kubelet gives an absent label as the empty string.
      const label = /^metadata\.labels\['([^']+)'\]$/.exec(fieldPath)?.[1];
      if (label !== undefined) return pod.labels?.[label] ?? '';
      throw new Error(`pod runner: fieldRef ${fieldPath} is not supported`);
    }
  }
}

/** The container's environment, in order, as the kubelet builds it. */
export function resolveEnv(
  env: readonly EnvVar[],
  pod: PodFacts,
  readSecret: (name: string, key: string) => string,
  imageEnv: ReadonlyMap<string, string>,
): Record<string, string> {
  const resolved: Record<string, string> = Object.fromEntries(imageEnv);
  for (const variable of env) {
    if (variable.value !== undefined) {
      resolved[variable.name] = expandVariables(variable.value, resolved);
    } else if (variable.valueFrom?.fieldRef !== undefined) {
      resolved[variable.name] = fieldValue(variable.valueFrom.fieldRef.fieldPath, pod);
    } else if (variable.valueFrom?.secretKeyRef !== undefined) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      resolved[variable.name] = readSecret(name, key);
    } else {
      resolved[variable.name] = '';
    }
  }
  return resolved;
}
