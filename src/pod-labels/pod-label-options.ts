// The pod label writer's options, its public interface, and their validation.
import type { Logger } from 'pino';
import { optionDefaults } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { ElectorError } from '../core/errors.js';
import type { Leadership } from '../core/leadership.js';
import type { Random } from '../core/random.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import {
  validateAnnotationKey,
  validateConditionType,
  validateLabelKey,
  validateLabelValue,
} from '../kubernetes/label-rules.js';
import type { PodSyncObserver } from './pod-sync-events.js';

/** The defaults of --role-label-key and --election-label-key (config/options/kubernetes.ts). */
export const defaultRoleLabelKey = optionDefaults.roleLabelKey;
export const defaultElectionLabelKey = optionDefaults.electionLabelKey;
const defaultFencingTokenAnnotation = 'elector.io/fencing-token';

export interface PodLabelWriterOptions {
  readonly api: KubernetesApi;
  /** This pod's name and namespace (downward API: metadata.name, metadata.namespace). */
  readonly podName: string;
  readonly namespace: string;
  /** The election's name: the election label's value, which selects its pods for cleanup. */
  readonly electionName: string;
  /** Default "elector.io/role"; values "leader" and "follower". */
  readonly roleLabelKey?: string;
  /** Default "elector.io/election"; written on this pod too, so cleanup can find it. */
  readonly electionLabelKey?: string;
  /** Default "elector.io/fencing-token"; set to the token whenever the label says leader. */
  readonly fencingTokenAnnotation?: string;
  /** A readinessGates conditionType such as "elector.io/leader"; null or absent: no condition. */
  readonly readinessConditionType?: string | null;
  /** Record Events BecameLeader / SteppedDown on the pod. Default true. */
  readonly recordEvents?: boolean;
  /** Events allowed back to back (default 5), and one more per `eventRefillMs` (default 60000). */
  readonly eventBurst?: number;
  readonly eventRefillMs?: number;
  /** While leading, look for stale leader labels again this often; 0: only on taking office. Default 30000. */
  readonly cleanupIntervalMs?: number;
  /** Backoff after a failed request: first delay (default 100) and cap (default 5000). */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /**
   * Leadership right now (the backend's `current()`), checked just before `leader` is written,
   * so a lease that lapsed since the last `update()` is never written as leader.
   */
  readonly readLeadership?: () => Leadership;
  readonly clock: Clock;
  readonly random: Random;
  readonly observe: PodSyncObserver;
  readonly logger: Logger;
}

export type PodRole = 'leader' | 'follower';

/** What the writer knows, for /status and tests. */
export interface PodLabelWriterStatus {
  readonly desiredRole: PodRole;
  /** The role label as last read or written in the API; null before the first read. */
  readonly writtenRole: string | null;
  /** True when the API shows everything the latest leadership asks for. */
  readonly isConverged: boolean;
  /** The last failure's message, cleared by the next success. */
  readonly lastError: string | null;
}

export interface PodLabelWriter {
  /**
   * Feeds the latest leadership (e.g. every ElectionState from `onChange`). Never blocks and
   * never throws: the writer converges to the latest state given, skipping stale ones.
   */
  update(leadership: Leadership): void;
  /**
   * Writes until `signal` aborts: first `follower` (a starting member must not keep a leader
   * label from an earlier life), then whatever the latest leadership asks. Failures are
   * retried with capped, jittered backoff, counted and logged; never thrown. Resolves once the
   * loop has stopped and Events in flight have settled.
   */
  run(signal: AbortSignal): Promise<void>;
  status(): PodLabelWriterStatus;
  /** Records an Event on this pod that the Raft member set changed (best effort, rate-limited). */
  recordConfigurationChange(message: string): void;
}

/** The options after validation, with defaults applied. */
export interface PodLabelSettings {
  readonly roleLabelKey: string;
  readonly electionLabelKey: string;
  readonly fencingTokenAnnotation: string;
  readonly conditionType: string | null;
  readonly cleanupIntervalMs: number;
  readonly eventBurst: number;
  readonly eventRefillMs: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** Validates the options: throws ElectorError CONFIG_INVALID naming each bad one. */
export function parsePodLabelOptions(options: PodLabelWriterOptions): PodLabelSettings {
  const settings: PodLabelSettings = {
    roleLabelKey: options.roleLabelKey ?? defaultRoleLabelKey,
    electionLabelKey: options.electionLabelKey ?? defaultElectionLabelKey,
    fencingTokenAnnotation: options.fencingTokenAnnotation ?? defaultFencingTokenAnnotation,
    conditionType: options.readinessConditionType ?? null,
    cleanupIntervalMs: options.cleanupIntervalMs ?? 30_000,
    eventBurst: options.eventBurst ?? 5,
    eventRefillMs: options.eventRefillMs ?? 60_000,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 100,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 5000,
  };
  const problems = [
    ['roleLabelKey', validateLabelKey(settings.roleLabelKey)],
    ['electionLabelKey', validateLabelKey(settings.electionLabelKey)],
    ['electionName', validateLabelValue(options.electionName)],
    ['fencingTokenAnnotation', validateAnnotationKey(settings.fencingTokenAnnotation)],
    [
      'readinessConditionType',
      settings.conditionType === null ? null : validateConditionType(settings.conditionType),
    ],
    [
      'podName',
      options.podName === '' ? 'the pod name is empty (set it from metadata.name)' : null,
    ],
    [
      'namespace',
      options.namespace === '' ? 'the namespace is empty (set it from metadata.namespace)' : null,
    ],
  ] as const;
  const lines = problems
    .filter(([, problem]) => problem !== null)
    .map(([field, problem]) => `kubernetes.${field}: ${String(problem)}`);
  for (const field of [
    'cleanupIntervalMs',
    'eventBurst',
    'eventRefillMs',
    'retryBaseDelayMs',
    'retryMaxDelayMs',
  ] as const) {
    const value = settings[field];
    const isZeroAllowed = field === 'cleanupIntervalMs' || field === 'eventBurst';
    if (!Number.isInteger(value) || value < (isZeroAllowed ? 0 : 1)) {
      lines.push(
        `kubernetes.${field}: expected a whole number ${isZeroAllowed ? '≥ 0' : '≥ 1'}; got ${String(value)}`,
      );
    }
  }
  if (settings.roleLabelKey === settings.electionLabelKey) {
    lines.push('kubernetes.roleLabelKey and kubernetes.electionLabelKey must differ');
  }
  if (lines.length > 0) throw new ElectorError('CONFIG_INVALID', lines.join('\n'));
  return settings;
}
