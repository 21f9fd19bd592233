import type { Config } from './schema.js';

/**
 * The pod this member runs in: --pod-name, else the --id (a StatefulSet pod's name is its
 * ID); what --help states as the computed default "the --id".
 */
export function podNameOf(config: Config): string {
  return config.podName ?? config.id;
}
