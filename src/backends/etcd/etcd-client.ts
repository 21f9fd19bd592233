import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { ElectorError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { backoffDelayMs, type BackoffPolicy } from '../../runtime/backoff.js';
import type { EtcdErrorReporter } from './etcd-errors.js';
import type { EtcdTlsOptions, ResolvedEtcdOptions } from './options.js';

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type CallPolicy = NonNullable<FaultHandling['global']>;
type WatchBackoff = NonNullable<FaultHandling['watchBackoff']>;

/**
 * Builds the etcd3 client. Retrying belongs to the backend's own loops (capped, jittered,
 * abortable), so etcd3's fault handling is reduced to: try each endpoint once per call, no
 * circuit breaker (its 5 s open state would delay recovery after etcd returns), and watch
 * streams reconnect on our jittered backoff instead of cockatiel's 30 s cap.
 * Rejects with CONFIG_INVALID if a TLS file cannot be read.
 */
export async function createEtcdClient(
  options: ResolvedEtcdOptions,
  random: Random,
  report: EtcdErrorReporter,
): Promise<Etcd3> {
  const credentials = options.isTls ? await readCredentials(options.tls ?? {}) : undefined;
  const policy: BackoffPolicy = {
    baseDelayMs: options.retryBaseDelayMs,
    maxDelayMs: options.retryMaxDelayMs,
    random,
  };
  return new Etcd3({
    hosts: options.hosts.map((host) => `${options.isTls ? 'https' : 'http'}://${host}`),
    ...(credentials === undefined ? {} : { credentials }),
    ...(options.auth === undefined
      ? {}
      : { auth: { username: options.auth.username, password: options.auth.password } }),
    // gRPC deadlines are wall-clock instants by API; streams get none (they are timed by us).
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + options.requestTimeoutMs },
    faultHandling: {
      host: () => passThroughPolicy,
      global: tryEachHostOncePolicy(options.hosts.length, report),
      watchBackoff: jitteredWatchBackoff(policy, 0),
    },
  });
}

async function readCredentials(tls: EtcdTlsOptions): Promise<NonNullable<IOptions['credentials']>> {
  const read = async (field: keyof EtcdTlsOptions): Promise<Buffer | undefined> => {
    const path = tls[field];
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ElectorError(
        'CONFIG_INVALID',
        `tls.${field}: cannot read ${JSON.stringify(path)}: ${reason}`,
        {
          cause: error,
        },
      );
    }
  };
  const rootCertificate = (await read('caFile')) ?? Buffer.from(rootCertificates.join('\n'));
  const certChain = await read('certFile');
  const privateKey = await read('keyFile');
  return {
    rootCertificate,
    ...(certChain === undefined ? {} : { certChain }),
    ...(privateKey === undefined ? {} : { privateKey }),
  };
}

const noSubscription = () => ({ dispose: () => undefined });
const neverAborted = new AbortController().signal;

const passThroughPolicy: CallPolicy = {
  // cockatiel's IPolicy declares this type-only member ("will not actually be defined").
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  _altReturn: undefined as never,
  onSuccess: noSubscription,
  onFailure: noSubscription,
  execute: async (call) => call({ signal: neverAborted }),
};

/** etcd3 hands each retry the next endpoint of one shuffled sequence, so N tries reach N endpoints. */
function tryEachHostOncePolicy(hostCount: number, report: EtcdErrorReporter): CallPolicy {
  return {
    ...passThroughPolicy,
    execute: async (call) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call({ signal: neverAborted });
        } catch (error) {
          const canTryAnother =
            attempt < hostCount && error instanceof Error && isRecoverableError(error);
          if (!canTryAnother) throw error;
          report('connect', error);
        }
      }
    },
  };
}

function jitteredWatchBackoff(policy: BackoffPolicy, attempt: number): WatchBackoff {
  return {
    duration: backoffDelayMs(policy, attempt),
    next: () => jitteredWatchBackoff(policy, attempt + 1),
  };
}
