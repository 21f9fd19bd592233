import { z } from 'zod';
import type { ConfigRule } from '../schema.js';
import { parseHostPort, unbracketHost } from '../host-port.js';
import { option } from '../option.js';
import { port, path } from '../option-schemas.js';

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
      'Who may POST /leader/resign: callers on loopback, callers with the resign token, or either.',
  }),
  resignTokenFile: option(path, {
    flag: 'resign-token-file',
    env: 'ELECTOR_RESIGN_TOKEN_FILE',
    group: 'http',
    isSecret: true,
    description: 'File holding the bearer token for POST /leader/resign.',
  }),
};

/** A resign policy that accepts a token needs the token: its file, or its Secret in Kubernetes. */
export const httpRules: ConfigRule = (config, nameOf) =>
  config.resignPolicy !== 'loopback' &&
  config.resignTokenFile === undefined &&
  config.resignTokenSecretName === undefined
    ? [
        `${nameOf('resignTokenFile')}: required when ${nameOf('resignPolicy')} is "${config.resignPolicy}" (or --resign-token-secret-name in Kubernetes)`,
      ]
    : [];
