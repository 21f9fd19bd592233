/**
 * Facts the pod label writer reports for metrics and logs. Like ElectionEvent, they reach
 * http/metrics/ through an injected `observe(event)`; this module never imports prom-client.
 * Every field that may become a metric label takes values from a small fixed set.
 */
export type PodSyncEvent =
  | {
      /**
       * One request about a pod: this pod's role label (the read before a write counts too), its
       * readiness condition, or another pod's stale label.
       */
      readonly type: 'pod-write';
      readonly target: 'role-label' | 'condition' | 'stale-label';
      readonly result: 'written' | 'conflict' | 'failed';
      /** For failures: the Status reason (Forbidden, NotFound, Timeout, NetworkError, ...). */
      readonly reason?: string;
    }
  | {
      /**
       * From the moment this member was told it leads (a new fencing token) until its own pod
       * carries the leader label in the API and every stale leader label of the election is gone.
       */
      readonly type: 'label-convergence';
      readonly durationMs: number;
      readonly staleLabelsCleaned: number;
    }
  | {
      /** A Kubernetes Event on this pod: recorded, skipped by the rate limit, or failed. */
      readonly type: 'pod-event';
      readonly reason: 'BecameLeader' | 'SteppedDown' | 'ConfigurationChanged';
      readonly result: 'recorded' | 'rate-limited' | 'failed';
    };

export type PodSyncObserver = (event: PodSyncEvent) => void;
