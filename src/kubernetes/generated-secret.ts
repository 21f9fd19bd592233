// A Secret the sidecar makes itself on first start (create-if-absent), so the chart never has to
// render a random value: `helm template`, an Argo CD sync or `--dry-run` would make a new one each
// time, and pods started after such a render could no longer authenticate with the others. The
// first member to start creates the Secret; every other one, and every later start, reads it.
import { z } from 'zod';
import type { KubernetesApi } from './api-client.js';
import {
  isAlreadyExists,
  isNotFound,
  toKubernetesError,
  MalformedResponseError,
} from './api-errors.js';
import { parseResponse } from './pod-client.js';

const secretSchema = z.looseObject({
  data: z.record(z.string(), z.string()).optional(),
});

export interface GeneratedSecretRequest {
  readonly namespace: string;
  readonly name: string;
  /** The data key holding the value. */
  readonly key: string;
  /** A new random value, used only when the Secret does not exist yet. */
  readonly generate: () => string;
  readonly signal: AbortSignal;
}

function secretPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

async function readValue(
  api: KubernetesApi,
  request: GeneratedSecretRequest,
): Promise<string | null> {
  const { namespace, name, key, signal } = request;
  const operation = `get secret ${namespace}/${name}`;
  try {
    const body = await api.request(
      operation,
      { method: 'GET', path: secretPath(namespace, name) },
      signal,
    );
    const value = parseResponse(secretSchema, body, operation).data?.[key];
    if (value === undefined) {
      throw toKubernetesError(new MalformedResponseError(`data.${key}: missing`), operation);
    }
    return Buffer.from(value, 'base64').toString('utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * The value under `key` of Secret `name`, creating the Secret with `generate()` when it does not
 * exist. When two members create it at once, the API lets one win (409 AlreadyExists for the
 * other), and both return the winner's value. Rejects with KubernetesApiError (403 without the
 * rights, a Secret without `key`, an unreachable API).
 */
export async function ensureGeneratedSecret(
  api: KubernetesApi,
  request: GeneratedSecretRequest,
): Promise<string> {
  const existing = await readValue(api, request);
  if (existing !== null) return existing;
  const { namespace, name, key, signal } = request;
  const value = request.generate();
  try {
    await api.request(
      `create secret ${namespace}/${name}`,
      {
        method: 'POST',
        path: secretPath(namespace),
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name,
            namespace,
            labels: { 'app.kubernetes.io/managed-by': 'elector' },
          },
          type: 'Opaque',
          data: { [key]: Buffer.from(value, 'utf8').toString('base64') },
        },
      },
      signal,
    );
    return value;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const winner = await readValue(api, request);
  if (winner === null) {
    throw toKubernetesError(
      new MalformedResponseError('created by another member, then gone'),
      `get secret ${namespace}/${name}`,
    );
  }
  return winner;
}
