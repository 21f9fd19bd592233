// host:port as users write it: a name or IPv4 address ("10.0.0.7:7946", "zk-0:2181"), or an
// IPv6 literal in brackets ("[::1]:7946", RFC 3986 §3.2.2), the only way a port can follow one.
import { isIPv6 } from 'node:net';

export interface HostPort {
  /** The host as sockets take it: an IPv6 literal without its brackets. */
  readonly host: string;
  readonly port: number;
}

const hostPortPattern = /^(?:\[([^\]\s]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** Reads "host:port" or "[ipv6]:port" with a port in 0..65535; null when it is neither. */
export function parseHostPort(text: string): HostPort | null {
  const match = hostPortPattern.exec(text);
  if (match === null) return null;
  const [, ipv6, name, portText = ''] = match;
  const port = Number(portText);
  if (port > 65535) return null;
  if (ipv6 !== undefined) return isIPv6(ipv6) ? { host: ipv6, port } : null;
  return name === undefined ? null : { host: name, port };
}

/** Writes a host and port back as "host:port", bracketing an IPv6 literal so the port reads. */
export function formatHostPort(address: HostPort): string {
  return isIPv6(address.host)
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** A host to listen on: a name, an IPv4 or a bare IPv6 address; "[::1]" loses its brackets. */
export function unbracketHost(text: string): string {
  const match = /^\[([^\]]+)\]$/.exec(text);
  return match?.[1] !== undefined && isIPv6(match[1]) ? match[1] : text;
}
