// The Kubernetes API client: configuration from the pod's service account or a kubeconfig file
// (through @kubernetes/client-node's KubeConfig, which also supplies credentials and TLS), and
// JSON requests in which every call carries a deadline, so a hung apiserver never blocks the
// election or the label writer. Failures leave here only as KubernetesApiError.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  HttpStatusError,
  MalformedResponseError,
  RequestAbortedError,
  RequestTimeoutError,
  toKubernetesError,
} from './api-errors.js';
import { configInvalid, loadKubeConfig, type KubeConfigSource } from './kube-config.js';

export interface KubernetesApiOptions {
  readonly source: KubeConfigSource;
  /** Deadline of each request (for a watch: until the response starts). Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Sent as User-Agent, so apiserver audit logs name elector. Default "elector". */
  readonly userAgent?: string;
}

/** One request to the API. `path` starts with /api or /apis. */
interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Default application/json; patches name their patch type. */
  readonly contentType?: string;
  /** A shorter deadline than the client's own for this request. */
  readonly timeoutMs?: number;
}

/** The HTTP side of the Kubernetes API, as the rest of elector sees it. */
export interface KubernetesApi {
  /** e.g. "https://10.96.0.1:443". */
  readonly server: string;
  readonly requestTimeoutMs: number;
  /** The namespace of the kubeconfig context or of the service account; null if none. */
  readonly defaultNamespace: string | null;
  /**
   * Sends one request and resolves with its parsed JSON body (2xx only). Rejects with
   * KubernetesApiError: a Status answer, no answer within the deadline (Timeout), a network
   * failure (NetworkError) or the caller's abort (Aborted).
   */
  request(operation: string, request: ApiRequest, signal: AbortSignal): Promise<unknown>;
  /**
   * Opens a streaming GET (a watch) and calls `onLine` with each line of the body. Resolves
   * when the server ends the stream; rejects with KubernetesApiError as `request` does (the
   * deadline applies until the response starts).
   */
  stream(
    operation: string,
    request: ApiRequest,
    signal: AbortSignal,
    onLine: (line: string) => void,
  ): Promise<void>;
}

const defaultRequestTimeoutMs = 5000;
const maxResponseBytes = 16 * 1024 * 1024;

/** Builds the API client from a service account or kubeconfig; throws CONFIG_INVALID. */
export function createKubernetesApi(options: KubernetesApiOptions): KubernetesApi {
  const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw configInvalid(
      `kubernetes.requestTimeoutMs: expected a positive whole number of milliseconds; got ${JSON.stringify(requestTimeoutMs)}`,
    );
  }
  const config = loadKubeConfig(options.source);
  return new HttpKubernetesApi(config, requestTimeoutMs, options.userAgent ?? 'elector');
}

class HttpKubernetesApi implements KubernetesApi {
  readonly server: string;
  readonly defaultNamespace: string | null;
  private agent: HttpAgent | null = null;

  constructor(
    private readonly config: KubeConfig,
    readonly requestTimeoutMs: number,
    private readonly userAgent: string,
  ) {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw configInvalid('kubernetes config: no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    const context = config.getContextObject(config.getCurrentContext());
    const namespace = context?.namespace?.trim();
    this.defaultNamespace = namespace === undefined || namespace === '' ? null : namespace;
  }

  async request(operation: string, request: ApiRequest, signal: AbortSignal): Promise<unknown> {
    try {
      return await this.send(request, signal, true, async (response) => {
        const body = await readBody(response);
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299) throw new HttpStatusError(status, body);
        if (body.trim() === '') return {};
        try {
          return JSON.parse(body) as unknown;
        } catch {
          throw new MalformedResponseError(`the body is not JSON: ${body.slice(0, 200)}`);
        }
      });
    } catch (error) {
      throw toKubernetesError(error, operation);
    }
  }

  async stream(
    operation: string,
    request: ApiRequest,
    signal: AbortSignal,
    onLine: (line: string) => void,
  ): Promise<void> {
    try {
      await this.send(request, signal, false, async (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299)
          throw new HttpStatusError(status, await readBody(response));
        let pending = '';
        for await (const chunk of response as AsyncIterable<Buffer>) {
          pending += chunk.toString('utf8');
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') onLine(line);
            newline = pending.indexOf('\n');
          }
        }
        if (pending.trim() !== '') onLine(pending.trim());
      });
    } catch (error) {
      throw toKubernetesError(error, operation);
    }
  }

  /**
   * One keep-alive agent for the client's life, with the TLS material KubeConfig supplied, so
   * requests reuse connections instead of paying a TLS handshake each (KubeConfig's own agents
   * are per request). Credentials are still taken per request: tokens rotate.
   */
  private agentFor(url: URL, options: RequestOptions): HttpAgent {
    if (this.agent !== null) return this.agent;
    this.agent =
      url.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            maxSockets: 16,
            ...pick(options, ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername']),
            ...(options.rejectUnauthorized === undefined
              ? {}
              : { rejectUnauthorized: options.rejectUnauthorized }),
          })
        : new HttpAgent({ keepAlive: true, maxSockets: 16 });
    return this.agent;
  }

  /**
   * Sends `request` and hands the response to `consume`. The deadline covers the whole exchange
   * when `isDeadlineForBody`, otherwise only until the response headers arrive (for watches).
   */
  private async send<T>(
    request: ApiRequest,
    signal: AbortSignal,
    isDeadlineForBody: boolean,
    consume: (response: IncomingMessage) => Promise<T>,
  ): Promise<T> {
    if (signal.aborted) throw new RequestAbortedError();
    const options: RequestOptions = {};
    await this.config.applyToHTTPSOptions(options);
    const url = new URL(this.server + request.path);
    for (const [key, value] of Object.entries(request.query ?? {}))
      url.searchParams.set(key, value);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const timeoutMs = Math.min(this.requestTimeoutMs, request.timeoutMs ?? Infinity);
    const deadline = new AbortController();
    const timer = setTimeout(
      () => {
        deadline.abort(new RequestTimeoutError(timeoutMs));
      },
      Math.max(1, timeoutMs),
    );
    const combined = AbortSignal.any([signal, deadline.signal]);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === 'string') headers[key] = value;
      else if (typeof value === 'number') headers[key] = String(value);
    }
    if (body !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let outgoing: ClientRequest | null = null;
    try {
      return await new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          outgoing?.destroy();
          reject(
            deadline.signal.aborted
              ? new RequestTimeoutError(timeoutMs)
              : new RequestAbortedError(),
          );
        };
        if (combined.aborted) {
          onAbort();
          return;
        }
        combined.addEventListener('abort', onAbort, { once: true });
        const settle = (finish: () => void): void => {
          combined.removeEventListener('abort', onAbort);
          finish();
        };
        outgoing = send(
          url,
          {
            method: request.method,
            headers,
            agent: this.agentFor(url, options),
          },
          (response) => {
            if (!isDeadlineForBody) clearTimeout(timer);
            consume(response).then(
              (value) => {
                settle(() => {
                  resolve(value);
                });
              },
              (error: unknown) => {
                settle(() => {
                  reject(
                    combined.aborted
                      ? abortReason(deadline.signal, timeoutMs)
                      : error instanceof Error
                        ? error
                        : new Error(String(error)),
                  );
                });
              },
            );
          },
        );
        outgoing.on('error', (error) => {
          settle(() => {
            reject(combined.aborted ? abortReason(deadline.signal, timeoutMs) : error);
          });
        });
        outgoing.end(body);
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function pick<K extends keyof RequestOptions>(
  options: RequestOptions,
  keys: readonly K[],
): Partial<Pick<RequestOptions, K>> {
  const picked: Partial<Pick<RequestOptions, K>> = {};
  for (const key of keys) {
    if (options[key] !== undefined) picked[key] = options[key];
  }
  return picked;
}

function abortReason(deadline: AbortSignal, timeoutMs: number): Error {
  return deadline.aborted ? new RequestTimeoutError(timeoutMs) : new RequestAbortedError();
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxResponseBytes) {
      response.destroy();
      throw new MalformedResponseError(`the body exceeds ${maxResponseBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
