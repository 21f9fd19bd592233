import { lookup } from 'node:dns/promises';
import { ElectorError } from '../../core/errors.js';
import type { PeerAddress } from './transport/outbound-peer.js';

/** Parses "id=host:port" entries into a map; the config loader has already checked their shape. */
export function parseAddressList(entries: readonly string[]): ReadonlyMap<string, PeerAddress> {
  const addresses = new Map<string, PeerAddress>();
  for (const entry of entries) {
    const match = /^([^=\s]+)=([^\s:]+):(\d{1,5})$/.exec(entry);
    if (match === null)
      throw new ElectorError(
        'CONFIG_INVALID',
        `expected "id=host:port"; got ${JSON.stringify(entry)}`,
      );
    const [, id = '', host = '', port = ''] = match;
    addresses.set(id, { host, port: Number(port) });
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
