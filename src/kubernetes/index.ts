// The Kubernetes layer: API client, error mapping, pod label writer and Lease requests.
export {
  createKubernetesApi,
  createKubernetesApiFromConfig,
  defaultRequestTimeoutMs,
  loadKubeConfig,
  type ApiRequest,
  type KubeConfigSource,
  type KubernetesApi,
  type KubernetesApiOptions,
} from './api-client.js';
export {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubernetesApiError,
  toKubernetesError,
} from './api-errors.js';
export {
  validateAnnotationKey,
  validateConditionType,
  validateLabelKey,
  validateLabelValue,
} from './label-rules.js';
export { createPodLabelWriter } from './pod-label-writer.js';
export {
  defaultElectionLabelKey,
  defaultFencingTokenAnnotation,
  defaultRoleLabelKey,
  parsePodLabelOptions,
  type PodLabelSettings,
  type PodLabelWriter,
  type PodLabelWriterOptions,
  type PodLabelWriterStatus,
  type PodRole,
} from './pod-label-options.js';
export { ignorePodSyncEvents, type PodSyncEvent, type PodSyncObserver } from './pod-sync-events.js';
