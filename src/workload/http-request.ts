// One HTTP request to the workload beside the sidecar, for the HTTP probe and the HTTP hooks.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { assertNever } from '../core/errors.js';

export interface LocalRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  /** Sent as application/json when present. */
  readonly body?: string;
  /** Aborting destroys the connection; the promise then rejects. */
  readonly signal: AbortSignal;
  /**
   * Whether an https:// server's certificate must be valid and trusted: 'unless-loopback' (the
   * HTTP hooks) checks it for every host but 127.0.0.1, ::1 and localhost; 'never' (the HTTP
   * probe) skips it, as the kubelet does for HTTPS probes.
   */
  readonly certificateCheck: 'unless-loopback' | 'never';
}

export interface LocalResponse {
  readonly status: number;
}

/** Bodies are read and discarded; past this many bytes the connection is closed instead. */
const bodyLimitBytes = 64 * 1024;

/**
 * Sends one request on a fresh connection (no pooling: a probe must see a workload that stopped
 * accepting connections) and resolves with the status once the body has been read. Rejects
 * with the socket error, or with an AbortError when `signal` aborts first.
 *
 * On loopback the peer is the workload in the same pod, whose certificate rarely names
 * "localhost" or 127.0.0.1, so it is not verified there; any other host could be anyone on the
 * network, so a hook, which tells it about leadership, checks the certificate (see
 * certificateCheck).
 */
export function sendLocalRequest(options: LocalRequest): Promise<LocalResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'User-Agent': 'elector-workload/1',
      Accept: '*/*',
      Connection: 'close',
    };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(options.body));
    }
    const common = { method: options.method, headers, agent: false, signal: options.signal };
    const request =
      options.url.protocol === 'https:'
        ? httpsRequest(options.url, { ...common, rejectUnauthorized: isVerified(options) })
        : httpRequest(options.url, common);
    request.once('error', reject);
    request.once('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > bodyLimitBytes) {
          resolve({ status });
          response.destroy();
        }
      });
      response.once('end', () => {
        resolve({ status });
      });
      response.once('error', reject);
      response.once('close', () => {
        if (!response.complete) reject(new Error(`the response (${status}) ended early`));
      });
    });
    request.end(options.body);
  });
}

/** The host names that reach this pod only; `URL.hostname` keeps IPv6 in brackets. */
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

function isVerified(options: LocalRequest): boolean {
  switch (options.certificateCheck) {
    case 'never':
      return false;
    case 'unless-loopback':
      return !loopbackHosts.has(options.url.hostname.toLowerCase());
    default:
      return assertNever(options.certificateCheck);
  }
}
