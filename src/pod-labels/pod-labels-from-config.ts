import type { Logger } from 'pino';
import { podNameOf } from '../config/computed-defaults.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Leadership } from '../core/leadership.js';
import { ElectorError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import { validateConditionType, validateLabelKey } from '../kubernetes/label-rules.js';
import type { PodLabelWriter } from './pod-label-options.js';
import type { PodSyncObserver } from './pod-sync-events.js';

export interface PodLabelRuntime {
  readonly api: KubernetesApi | null;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: PodSyncObserver;
  /** Leadership now, read again just before `leader` is written. */
  readonly readLeadership: () => Leadership;
}

/**
 * Checks the label settings (whether or not labels are on, so a typo is caught before it
 * matters) and builds the writer when pod labels are wanted and an API is configured.
 * Throws CONFIG_INVALID naming the flag and the rule a key breaks.
 */
export async function createPodLabelsFromConfig(
  config: Config,
  runtime: PodLabelRuntime,
): Promise<PodLabelWriter | null> {
  const problems = [
    ['--role-label-key', validateLabelKey(config.roleLabelKey)],
    ['--election-label-key', validateLabelKey(config.electionLabelKey)],
    [
      '--readiness-condition-type',
      config.readinessConditionType === undefined
        ? null
        : validateConditionType(config.readinessConditionType),
    ],
  ].flatMap(([flag, problem]) => (problem === null ? [] : [`${flag}: ${problem}`]));
  if (problems.length > 0) throw new ElectorError('CONFIG_INVALID', problems.join('\n'));
  if (runtime.api === null || config.podLabels === 'false') return null;
  if (config.namespace === undefined) {
    throw new ElectorError(
      'CONFIG_INVALID',
      '--namespace: required for pod labels (downward API metadata.namespace), or set --pod-labels false',
    );
  }
  // Loaded only when labels are on: the Kubernetes client library is large.
  const { createPodLabelWriter } = await import('./pod-label-writer.js');
  return createPodLabelWriter({
    api: runtime.api,
    podName: podNameOf(config),
    namespace: config.namespace,
    electionName: config.election,
    roleLabelKey: config.roleLabelKey,
    electionLabelKey: config.electionLabelKey,
    readinessConditionType: config.readinessConditionType ?? null,
    recordEvents: config.podEvents,
    clock: runtime.clock,
    random: runtime.random,
    logger: runtime.logger,
    observe: runtime.observe,
    readLeadership: runtime.readLeadership,
  });
}
