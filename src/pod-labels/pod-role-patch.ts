// What the pod label writer writes for a role: pure functions of the pod as read and the role wanted.
import type { PodLabelSettings, PodRole } from './pod-label-options.js';
import type { MetadataChange, PodCondition, PodSnapshot } from '../kubernetes/pod-client.js';

/** The role the writer wants the API to show, with the token it leads under. */
export interface Desired {
  readonly role: PodRole;
  readonly fencingToken: bigint;
}

/**
 * The labels and annotations to change so that the pod shows `desired`: the role label, the
 * election label (so cleanup finds the pod) and, for a leader, its fencing-token annotation.
 * Null when the pod already shows it.
 */
export function roleLabelChange(
  pod: PodSnapshot,
  desired: Desired,
  settings: PodLabelSettings,
  electionName: string,
): Omit<MetadataChange, 'resourceVersion'> | null {
  const labels: Record<string, string> = {};
  if (pod.labels[settings.roleLabelKey] !== desired.role) {
    labels[settings.roleLabelKey] = desired.role;
  }
  if (pod.labels[settings.electionLabelKey] !== electionName) {
    labels[settings.electionLabelKey] = electionName;
  }
  const annotations: Record<string, string> = {};
  const token = desired.fencingToken.toString();
  if (desired.role === 'leader' && pod.annotations[settings.fencingTokenAnnotation] !== token) {
    annotations[settings.fencingTokenAnnotation] = token;
  }
  const hasLabels = Object.keys(labels).length > 0;
  const hasAnnotations = Object.keys(annotations).length > 0;
  if (!hasLabels && !hasAnnotations) return null;
  return { ...(hasLabels ? { labels } : {}), ...(hasAnnotations ? { annotations } : {}) };
}

/** The readiness-gate condition for `desired`: True only for a leader. */
export function readinessCondition(
  type: string,
  desired: Desired,
  electionName: string,
): PodCondition {
  return desired.role === 'leader'
    ? {
        type,
        status: 'True',
        reason: 'Leader',
        message: `leads election ${electionName} with fencing token ${desired.fencingToken.toString()}`,
      }
    : {
        type,
        status: 'False',
        reason: 'Follower',
        message: `does not lead election ${electionName}`,
      };
}
