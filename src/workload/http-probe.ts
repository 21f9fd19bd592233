import { isAborted } from '../runtime/abortable.js';
import { redactedUrl } from '../config/redacted-url.js';
import { messageOf } from './error-message.js';
import { sendLocalRequest } from './http-request.js';
import { healthy, type Probe, type ProbeOutcome } from './probe.js';

/**
 * GETs `url` on a fresh connection; healthy on a status from 200 to 399 (a redirect is not
 * followed: it already counts as healthy, as it does for the kubelet).
 */
export function createHttpProbe(url: URL): Probe {
  const description = `GET ${redactedUrl(url)}`;
  return {
    kind: 'http',
    description,
    async check(signal: AbortSignal): Promise<ProbeOutcome> {
      try {
        const { status } = await sendLocalRequest({
          url,
          method: 'GET',
          signal,
          certificateCheck: 'never',
        });
        if (status >= 200 && status < 400) return healthy;
        return { isHealthy: false, reason: 'status', detail: `${description}: ${status}` };
      } catch (error) {
        if (isAborted(signal)) {
          return { isHealthy: false, reason: 'timeout', detail: `${description}: no answer` };
        }
        return {
          isHealthy: false,
          reason: 'connection',
          detail: `${description}: ${messageOf(error)}`,
        };
      }
    },
  };
}
