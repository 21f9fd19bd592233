import { lookup } from 'node:dns/promises';
import { parseHostPort } from '../../config/host-port.js';
import { ElectorError } from '../../core/errors.js';
import type { PeerAddress } from './transport/outbound-peer.js';

/**
 * Parses "id=host:port" entries (the host may be an IPv6 literal in brackets, "b=[::1]:7946")
 * into a map whose hosts sockets take as they are; the config loader has already checked them.
 */
export function parseAddressList(entries: readonly string[]): ReadonlyMap<string, PeerAddress> {
  const addresses = new Map<string, PeerAddress>();
  for (const entry of entries) {
    const match = /^([^=\s]+)=(.*)$/s.exec(entry);
    const address = parseHostPort(match?.[2] ?? '');
    if (match === null || address === null)
      throw new ElectorError(
        'CONFIG_INVALID',
        `expected "id=host:port" or "id=[ipv6]:port"; got ${JSON.stringify(entry)}`,
      );
    addresses.set(match[1] ?? '', address);
  }
  return addresses;
}

/**
 * Where each peer listens: from the static list when it names the peer, otherwise from DNS of
 * `hostTemplate` with `{id}` replaced (a StatefulSet pod behind a headless Service). Called
 * before every dial, so a rescheduled pod's new IP is found.
 */
export function createPeerResolver(
  staticAddresses: ReadonlyMap<string, PeerAddress>,
  hostTemplate: string,
  defaultPort: number,
): (id: string) => Promise<PeerAddress> {
  return async (id) => {
    const known = staticAddresses.get(id);
    if (known !== undefined) return known;
    const host = hostTemplate.replaceAll('{id}', id);
    const { address } = await lookup(host);
    return { host: address, port: defaultPort };
  };
}
