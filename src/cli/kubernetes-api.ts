import type { Config } from '../config/schema.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';

/**
 * The Kubernetes API client the configuration asks for, or null when there is none. The client
 * library (about 80 MB of memory) is loaded only then.
 */
export async function kubernetesApiFor(config: Config): Promise<KubernetesApi | null> {
  const isInCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  const isWanted =
    config.backend === 'kubernetes' ||
    config.clusterSecretName !== undefined ||
    config.resignTokenSecretName !== undefined ||
    config.podLabels === 'true' ||
    (config.podLabels === 'auto' && (isInCluster || config.kubeconfig !== undefined));
  if (!isWanted) return null;
  const { createKubernetesApi } = await import('../kubernetes/api-client.js');
  return createKubernetesApi({
    source:
      config.kubeconfig === undefined
        ? { kind: 'in-cluster' }
        : { kind: 'kubeconfig', path: config.kubeconfig },
  });
}
