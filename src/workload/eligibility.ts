import type { HealthGate } from './health-gate.js';

/** What the gate drives: `ElectionBackend.setEligible` has this shape. */
export interface EligibilityTarget {
  /** While false, the member does not campaign, and a leader hands over gracefully. */
  setEligible(isEligible: boolean): void;
}

/**
 * Makes `target` eligible exactly while the gate says the workload is healthy: applies the
 * current verdict at once (false for a gate that has not seen a success yet, so call this
 * before the member starts campaigning), then every change. Returns an unsubscribe function.
 */
export function followHealth(
  gate: Pick<HealthGate, 'isHealthy' | 'onChange'>,
  target: EligibilityTarget,
): () => void {
  target.setEligible(gate.isHealthy());
  return gate.onChange((isHealthy) => {
    target.setEligible(isHealthy);
  });
}
