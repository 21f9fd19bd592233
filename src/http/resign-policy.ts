import { timingSafeEqual } from 'node:crypto';
import { assertNever } from '../core/errors.js';

export type ResignPolicy =
  | { readonly kind: 'loopback' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'loopback-or-token'; readonly token: string };

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined &&
    (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}

function hasToken(expected: string, authorization: string | undefined): boolean {
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

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
