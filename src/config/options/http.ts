import { z } from 'zod';
import type { ConfigRule } from '../schema.js';
import { parseHostPort, unbracketHost } from '../host-port.js';
import { option } from '../option.js';
import { count, port, path } from '../option-schemas.js';

export const httpOptions = {
  httpHost: option(z.string().min(1).transform(unbracketHost), {
    flag: 'http-host',
    env: 'ELECTOR_HTTP_HOST',
    group: 'http',
    default: '0.0.0.0',
    description: 'Address the HTTP API listens on.',
  }),
  httpPort: option(port, {
    flag: 'http-port',
    env: 'ELECTOR_HTTP_PORT',
    group: 'http',
    default: '4040',
    description: 'Port of the HTTP API (/leader, /role/leader, /metrics, ...).',
  }),
  httpMaxConnections: option(count(100_000), {
    flag: 'http-max-connections',
    env: 'ELECTOR_HTTP_MAX_CONNECTIONS',
    group: 'http',
    default: '256',
    description:
      'Connections the HTTP API serves at once; a few more are answered 503 CAPACITY_EXCEEDED and closed, and beyond those new connections are dropped.',
  }),
  httpMaxStreams: option(count(100_000), {
    flag: 'http-max-streams',
    env: 'ELECTOR_HTTP_MAX_STREAMS',
    group: 'http',
    default: '64',
    description:
      'Open GET /leader/watch event streams at once; one more is answered 503 CAPACITY_EXCEEDED.',
  }),
  httpMaxLongPolls: option(count(100_000), {
    flag: 'http-max-long-polls',
    env: 'ELECTOR_HTTP_MAX_LONG_POLLS',
    group: 'http',
    default: '64',
    description:
      'Waiting GET /leader?wait= long-polls at once; one more is answered 503 CAPACITY_EXCEEDED.',
  }),
  advertiseAddress: option(
    z.string().refine((text) => parseHostPort(text) !== null, 'expected host:port or [ipv6]:port'),
    {
      flag: 'advertise-address',
      env: 'ELECTOR_ADVERTISE_ADDRESS',
      group: 'http',
      computedDefault: '<id>:<http-port>',
      description:
        "host:port (or [ipv6]:port) where other members and workloads reach this member's HTTP API.",
    },
  ),
  resignPolicy: option(z.enum(['loopback', 'token', 'loopback-or-token']), {
    flag: 'resign-policy',
    env: 'ELECTOR_RESIGN_POLICY',
    group: 'http',
    default: 'loopback',
    description:
      'Who may POST /leader/resign: callers on loopback (127.0.0.1 or ::1 only; not a mesh proxy on 127.0.0.6), callers with the resign token, or either.',
  }),
  resignTokenFile: option(path, {
    flag: 'resign-token-file',
    env: 'ELECTOR_RESIGN_TOKEN_FILE',
    group: 'http',
    isSecret: true,
    description: 'File holding the bearer token for POST /leader/resign.',
  }),
};

/**
 * A resign policy that accepts a token needs the token (its file, or its Secret in Kubernetes);
 * the connection cap leaves room beside every stream and long-poll for probes and scrapes.
 */
export const httpRules: ConfigRule = (config, nameOf) => [
  ...(config.resignPolicy !== 'loopback' &&
  config.resignTokenFile === undefined &&
  config.resignTokenSecretName === undefined
    ? [
        `${nameOf('resignTokenFile')}: required when ${nameOf('resignPolicy')} is "${config.resignPolicy}" (or --resign-token-secret-name in Kubernetes)`,
      ]
    : []),
  ...(config.httpMaxConnections <= config.httpMaxStreams + config.httpMaxLongPolls
    ? [
        `${nameOf('httpMaxConnections')}: expected more than ${nameOf('httpMaxStreams')} + ${nameOf('httpMaxLongPolls')} (${config.httpMaxStreams + config.httpMaxLongPolls}), so probes and scrapes still get through; got ${config.httpMaxConnections}`,
      ]
    : []),
];
