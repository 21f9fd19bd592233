import { createHash, timingSafeEqual } from 'node:crypto';
import { assertNever } from '../core/errors.js';

export type ResignPolicy =
  | { readonly kind: 'loopback' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'loopback-or-token'; readonly token: string };

/**
 * The loopback addresses of this host itself. Not all of 127/8: a service-mesh proxy in the pod
 * (Istio connects from 127.0.0.6) forwards callers from anywhere in the cluster from another
 * 127.x address, and those callers must not count as local.
 */
const loopbackAddresses: ReadonlySet<string> = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && loopbackAddresses.has(address);
}

/**
 * Compares digests, so neither the comparison's time nor an early length check tells a caller
 * how much of the token it got right or how long the token is.
 */
function hasToken(expected: string, authorization: string | undefined): boolean {
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(digestOf(presented), digestOf(expected));
}

function digestOf(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether a POST /leader/resign from `remoteAddress` with this Authorization header may go ahead. */
export function isResignAllowed(
  policy: ResignPolicy,
  remoteAddress: string | undefined,
  authorization: string | undefined,
): boolean {
  switch (policy.kind) {
    case 'loopback':
      return isLoopback(remoteAddress);
    case 'token':
      return hasToken(policy.token, authorization);
    case 'loopback-or-token':
      return isLoopback(remoteAddress) || hasToken(policy.token, authorization);
    default:
      return assertNever(policy);
  }
}
