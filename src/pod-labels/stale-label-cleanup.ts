import type { Logger } from 'pino';
import { isConflict, isNotFound, toKubernetesError } from '../kubernetes/api-errors.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import { getPod, listPods, patchPodMetadata, type PodSnapshot } from '../kubernetes/pod-client.js';

export interface StaleLabelCleanupOptions {
  readonly api: KubernetesApi;
  readonly namespace: string;
  /** This member's own pod, which is never touched here. */
  readonly selfPodName: string;
  readonly electionLabelKey: string;
  readonly electionName: string;
  readonly roleLabelKey: string;
  readonly fencingTokenAnnotation: string;
  /** This leader's fencing token: only pods marked with a lower one are relabelled. */
  readonly fencingToken: bigint;
  /** Checked before every write: the cleanup stops as soon as this member no longer leads. */
  readonly isStillActing: () => boolean;
  /** Called after each write attempt, for the pod-write counter. */
  readonly onWrite: (result: 'written' | 'conflict' | 'failed', reason?: string) => void;
  readonly logger: Logger;
}

/** The fencing token a pod's annotation carries; -1 when it has none (it never led). */
function fencingTokenOf(pod: PodSnapshot, annotation: string): bigint {
  const value = pod.annotations[annotation];
  return value !== undefined && /^\d{1,40}$/.test(value) ? BigInt(value) : -1n;
}

const maxAttemptsPerPod = 3;

/** What one cleanup pass did. */
export interface CleanupResult {
  /** Pods relabelled follower. */
  readonly cleaned: number;
  /** Pods still labelled leader with a lower token, because they kept changing under us. */
  readonly remaining: number;
}

/**
 * Relabels `follower` every other pod of the election still labelled `leader` (a leader that
 * crashed could not do it itself). Each write carries the resourceVersion at which the pod was
 * seen with a lower fencing token, so it cannot clobber a newer leader's label: a pod changed
 * meanwhile answers 409 and is read and judged again. A pod whose token is not lower than ours
 * is left alone and logged: it is a newer leader, and this member is the stale one.
 * Rejects with KubernetesApiError when a list or write fails for any other reason.
 */
export async function cleanStaleLeaderLabels(
  options: StaleLabelCleanupOptions,
  signal: AbortSignal,
): Promise<CleanupResult> {
  const selector = `${options.electionLabelKey}=${options.electionName},${options.roleLabelKey}=leader`;
  let pods: PodSnapshot[];
  try {
    pods = await listPods(options.api, options.namespace, selector, signal);
  } catch (error) {
    options.onWrite('failed', toKubernetesError(error, 'list pods').reason);
    throw error;
  }
  let cleaned = 0;
  let remaining = 0;
  for (const listed of pods) {
    if (listed.name === options.selfPodName) continue;
    let pod: PodSnapshot | null = listed;
    let isSettled = false;
    for (let attempt = 0; pod !== null && attempt < maxAttemptsPerPod; attempt += 1) {
      isSettled = true;
      if (pod.labels[options.roleLabelKey] !== 'leader') break;
      const podToken = fencingTokenOf(pod, options.fencingTokenAnnotation);
      if (podToken >= options.fencingToken) {
        options.logger.warn(
          {
            event: 'pod.stale-label.kept',
            // `pod` is bound to this member's own pod: a second `pod` key would repeat it.
            stalePod: pod.name,
            podFencingToken: podToken.toString(),
            fencingToken: options.fencingToken.toString(),
          },
          `pod ${pod.name} is labelled leader with a fencing token not lower than ours; left alone`,
        );
        break;
      }
      if (!options.isStillActing()) return { cleaned, remaining: remaining + 1 };
      try {
        await patchPodMetadata(
          options.api,
          options.namespace,
          pod.name,
          { resourceVersion: pod.resourceVersion, labels: { [options.roleLabelKey]: 'follower' } },
          signal,
        );
        options.onWrite('written');
        cleaned += 1;
        options.logger.info(
          {
            event: 'pod.stale-label.cleaned',
            stalePod: pod.name,
            podFencingToken: podToken.toString(),
            fencingToken: options.fencingToken.toString(),
          },
          `relabelled stale leader pod ${pod.name} as follower`,
        );
        break;
      } catch (error) {
        const mapped = toKubernetesError(error, `patch pod ${options.namespace}/${pod.name}`);
        if (isNotFound(mapped)) {
          options.onWrite('failed', mapped.reason);
          break;
        }
        if (!isConflict(mapped)) {
          options.onWrite('failed', mapped.reason);
          throw mapped;
        }
        options.onWrite('conflict');
        isSettled = false;
        pod = await getPod(options.api, options.namespace, pod.name, signal).catch(
          (readError: unknown) => {
            if (isNotFound(readError)) return null;
            throw readError;
          },
        );
      }
    }
    if (!isSettled && pod !== null) remaining += 1;
  }
  return { cleaned, remaining };
}
