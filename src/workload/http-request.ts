// One HTTP request to the workload beside the sidecar, for the HTTP probe and the HTTP hooks.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface LocalRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  /** Sent as application/json when present. */
  readonly body?: string;
  /** Aborting destroys the connection; the promise then rejects. */
  readonly signal: AbortSignal;
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
 * HTTPS certificates are not verified, as the kubelet does not verify them for HTTPS probes:
 * the peer is the workload in the same pod, and its certificate rarely names "localhost".
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
        ? httpsRequest(options.url, { ...common, rejectUnauthorized: false })
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
