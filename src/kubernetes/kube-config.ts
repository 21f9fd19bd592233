// Where the Kubernetes API and its credentials come from: the pod's service account, or a
// kubeconfig file outside a cluster, loaded by @kubernetes/client-node's KubeConfig.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ElectorError } from '../core/errors.js';

/** Where the API server and credentials come from. */
export type KubeConfigSource =
  | {
      /** In a pod: KUBERNETES_SERVICE_HOST/PORT and the mounted service-account token and CA. */
      readonly kind: 'in-cluster';
      /** Directory the service-account path is read under; '' (default) is the root. For tests. */
      readonly rootDirectory?: string;
    }
  | {
      /** Outside a cluster: a kubeconfig file, at its current context unless `context` is set. */
      readonly kind: 'kubeconfig';
      readonly path: string;
      readonly context?: string;
    };

const serviceAccountDirectory = '/var/run/secrets/kubernetes.io/serviceaccount';

export function configInvalid(message: string, cause?: unknown): ElectorError {
  return new ElectorError('CONFIG_INVALID', message, { cause });
}

/**
 * Loads a KubeConfig from `source`. Throws ElectorError CONFIG_INVALID naming what is missing:
 * the service environment or token outside a pod, an unreadable kubeconfig, an unknown context.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const config = new KubeConfig();
  if (source.kind === 'in-cluster') {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    if (host === undefined || host === '' || port === undefined || port === '') {
      throw configInvalid(
        'kubernetes in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; they are set in every pod, so outside a cluster pass a kubeconfig path instead',
      );
    }
    const root = source.rootDirectory ?? '';
    const tokenPath = join(root, serviceAccountDirectory, 'token');
    if (!existsSync(tokenPath)) {
      throw configInvalid(
        `kubernetes in-cluster config: no service-account token at ${tokenPath}; check that the pod mounts its service-account token (automountServiceAccountToken)`,
      );
    }
    config.loadFromCluster(root);
    return config;
  }
  try {
    config.loadFromFile(source.path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw configInvalid(`kubernetes kubeconfig "${source.path}": cannot load it: ${detail}`, error);
  }
  if (source.context !== undefined) {
    if (config.getContextObject(source.context) === null) {
      const known = config.getContexts().map((context) => context.name);
      throw configInvalid(
        `kubernetes kubeconfig "${source.path}": no context "${source.context}"; it has ${known.length === 0 ? 'none' : known.join(', ')}`,
      );
    }
    config.setCurrentContext(source.context);
  }
  if (config.getCurrentCluster() === null) {
    throw configInvalid(
      `kubernetes kubeconfig "${source.path}": the current context names no cluster`,
    );
  }
  return config;
}
