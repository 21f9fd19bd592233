import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ElectionObserver } from '../core/election-events.js';
import type { SafeguardMutations } from '../core/raft/state.js';
import type { Random } from '../core/random.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';

/** The services every backend, and each part of one, takes as they are. */
export interface BackendServices {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: ElectionObserver;
}

/** What the composition root hands every backend besides its settings. */
export interface BackendRuntime extends BackendServices {
  /** The Raft cluster secret, read from its file or variable by the caller. */
  readonly clusterSecret: string | null;
  /** The Kubernetes API, when configured (Lease backend, pod labels). */
  readonly kubernetesApi: KubernetesApi | null;
  /**
   * Deliberate breakages, only for tests that must see them caught: the CLI never sets this; the
   * fault tests' preload (lab/ignore-lease/preload.mjs) does. Raft honours each one; the other
   * backends ignore it (the preload wraps them instead).
   */
  readonly testMutations?: SafeguardMutations;
}

/** The services every backend's options take, as they are. */
export function runtimeServices(runtime: BackendRuntime): BackendServices {
  return {
    clock: runtime.clock,
    random: runtime.random,
    logger: runtime.logger,
    observe: runtime.observe,
  };
}

/** This member's HTTP API address as others should use it. */
export function advertisedAddress(config: Config): string {
  return config.advertiseAddress ?? `${config.id}:${config.httpPort}`;
}
