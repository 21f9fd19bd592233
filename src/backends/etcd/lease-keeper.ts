import {
  castGrpcError,
  type Etcd3,
  type IDuplexStream,
  type ILeaseKeepAliveRequest,
  type ILeaseKeepAliveResponse,
} from 'etcd3';
import type { CancelTimer, Clock } from '../../core/clock.js';
import { ElectorError } from '../../core/errors.js';
import { isAborted, pause } from '../../runtime/abortable.js';
import { Backoff, type BackoffPolicy } from '../../runtime/backoff.js';
import type { EtcdErrorReporter } from './etcd-errors.js';

type KeepaliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export interface LeaseKeeperContext {
  readonly client: Etcd3;
  readonly clock: Clock;
  readonly report: EtcdErrorReporter;
  readonly keepaliveIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly safetyMarginMs: number;
  readonly retry: BackoffPolicy;
}

export interface LeaseKeeperEvents {
  /** A renewal succeeded: the lease provably lives until `deadline` (monotonic ms). */
  onRenewed(deadline: number): void;
  /** The renewal stream failed or stalled: the connection may be lost. */
  onTrouble(): void;
  /** etcd says the lease no longer exists. No further events follow. */
  onLost(error: ElectorError): void;
}

/**
 * Renews `leaseId` every TTL/3 on one LeaseKeepAlive stream, one request in flight at a time,
 * until `signal` aborts. The deadline counts from when a request was SENT, not when its answer
 * arrived: etcd restarts the TTL at some instant after the send, so send + TTL is a lower bound
 * on the lease's real expiry (the safety margin covers clock-rate error). Stalled or broken
 * streams are reopened with backoff; deciding that the deadline has passed is the caller's
 * timer's job, not this loop's. Never rejects.
 */
export async function keepLeaseAlive(
  context: LeaseKeeperContext,
  leaseId: string,
  firstRenewalAt: number,
  events: LeaseKeeperEvents,
  signal: AbortSignal,
): Promise<void> {
  const { clock } = context;
  const backoff = new Backoff(context.retry);
  let channel: KeepaliveChannel | null = null;
  let nextSendAt = firstRenewalAt;
  try {
    while (!isAborted(signal)) {
      await pause(clock, nextSendAt - clock.now(), signal);
      if (isAborted(signal)) break;
      const sentAt = clock.now();
      try {
        channel ??= await KeepaliveChannel.open(context.client);
        const response = await channel.renew(leaseId, clock, context.requestTimeoutMs, signal);
        if (isAborted(signal)) break;
        const ttlSeconds = Number(response.TTL);
        if (!(ttlSeconds > 0)) {
          const error = new ElectorError(
            'LEASE_LOST',
            `etcd keepalive: lease ${leaseId} expired or was revoked`,
            { retryable: true },
          );
          events.onLost(context.report('keepalive', error));
          return;
        }
        backoff.reset();
        events.onRenewed(sentAt + ttlSeconds * 1000 - context.safetyMarginMs);
        nextSendAt = sentAt + context.keepaliveIntervalMs;
      } catch (error) {
        if (isAborted(signal)) break;
        const mapped = context.report('keepalive', error);
        channel?.close();
        channel = null;
        if (mapped.code === 'LEASE_LOST') {
          events.onLost(mapped);
          return;
        }
        events.onTrouble();
        nextSendAt = clock.now() + Math.min(backoff.nextDelayMs(), context.keepaliveIntervalMs);
      }
    }
  } finally {
    channel?.close();
  }
}

/** One LeaseKeepAlive stream with at most one request in flight, so answers pair with requests. */
class KeepaliveChannel {
  private pending: {
    resolve(response: ILeaseKeepAliveResponse): void;
    reject(error: Error): void;
  } | null = null;
  private failure: Error | null = null;
  private isClosed = false;

  private constructor(private readonly stream: KeepaliveStream) {
    stream.on('data', (response) => {
      const pending = this.pending;
      this.pending = null;
      pending?.resolve(response);
    });
    stream.on('error', (error) => {
      this.fail(castGrpcError(error));
    });
    stream.on('end', () => {
      this.fail(
        new ElectorError('BACKEND_UNAVAILABLE', 'etcd keepalive: stream ended by the server', {
          retryable: true,
        }),
      );
    });
  }

  static async open(client: Etcd3): Promise<KeepaliveChannel> {
    return new KeepaliveChannel(await client.leaseClient.leaseKeepAlive());
  }

  renew(
    leaseId: string,
    clock: Clock,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<ILeaseKeepAliveResponse> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        this.pending = null;
      };
      const onAbort = (): void => {
        settle();
        reject(new ElectorError('INTERNAL', 'etcd keepalive: aborted'));
      };
      const cancelTimer = clock.setTimer(timeoutMs, () => {
        settle();
        reject(
          new ElectorError(
            'BACKEND_UNAVAILABLE',
            `etcd keepalive: no answer within ${timeoutMs} ms`,
            { retryable: true },
          ),
        );
      });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        resolve: (response) => {
          settle();
          resolve(response);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.stream.write({ ID: leaseId });
    });
  }

  /** Ends the stream; its late answers and errors are ignored. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.failure ??= new ElectorError('INTERNAL', 'etcd keepalive: stream closed');
    // Ending the write side first makes etcd3 skip marking the endpoint failed on the cancel.
    this.stream.end();
    this.stream.cancel();
  }

  private fail(error: Error): void {
    if (this.isClosed) return;
    this.failure = error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/**
 * Calls `onExpired` once the clock reaches `deadline()`, which may move later meanwhile (each
 * renewal extends it; `arm()` again): a local timer, so stepping down never waits for a library
 * callback. `stop()` cancels it for good.
 */
export function deadlineTimer(
  clock: Clock,
  deadline: () => number,
  onExpired: () => void,
): { arm(): void; stop(): void } {
  let cancel: CancelTimer = () => undefined;
  let isStopped = false;
  const stop = (): void => {
    isStopped = true;
    cancel();
  };
  const arm = (): void => {
    cancel();
    if (isStopped) return;
    cancel = clock.setTimer(deadline() - clock.now(), () => {
      if (clock.now() < deadline()) {
        arm();
        return;
      }
      stop();
      onExpired();
    });
  };
  return { arm, stop };
}
