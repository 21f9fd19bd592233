import type { ProbeFailureReason, ProbeKind } from './workload-events.js';

/** What to check, in the shape of a Kubernetes probe handler. */
export type ProbeSpec =
  /** GET `url`; healthy on 200–399, as the kubelet's httpGet. */
  | { readonly kind: 'http'; readonly url: URL }
  /** Healthy when a TCP connection opens, as the kubelet's tcpSocket. */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** Healthy when `/bin/sh -c command` exits 0, as the kubelet's exec. */
  | { readonly kind: 'exec'; readonly command: string };

export type ProbeOutcome =
  | { readonly isHealthy: true }
  | {
      readonly isHealthy: false;
      readonly reason: ProbeFailureReason;
      /** One line for the log, e.g. "GET http://127.0.0.1:8080/healthz: 503". */
      readonly detail: string;
    };

/** One kind of health check. */
export interface Probe {
  readonly kind: ProbeKind;
  /** For logs, e.g. "GET http://127.0.0.1:8080/healthz". */
  readonly description: string;
  /**
   * Runs the check once. Resolves with the outcome; never rejects. When `signal` aborts (the
   * gate's timeout), the check stops its work (closes its socket, kills its process group)
   * and resolves with a 'timeout' failure soon after.
   */
  check(signal: AbortSignal): Promise<ProbeOutcome>;
}

export const healthy: ProbeOutcome = { isHealthy: true };
