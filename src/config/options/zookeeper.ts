import { z } from 'zod';
import type { ConfigRule } from '../schema.js';
import { parseHostPort } from '../host-port.js';
import { option } from '../option.js';
import { durationMs, path } from '../option-schemas.js';

export const zookeeperOptions = {
  zookeeperConnect: option(
    z
      .string()
      .min(1)
      .refine(
        (text) => !text.includes('['),
        // node-zookeeper-client splits each server at ":" (ConnectionStringParser), so
        // "[::1]:2181" would dial "[", and it takes no other form of an IPv6 address.
        {
          message:
            'an IPv6 literal cannot be given here (the ZooKeeper client splits host:port at ":"); expected host:port[,host:port...] with host names or IPv4 addresses, such as a name that resolves to the IPv6 address',
          abort: true,
        },
      )
      .refine((text) => !text.includes('/'), {
        message:
          'expected host:port[,host:port...] without a chroot suffix; use --zookeeper-chroot',
        abort: true,
      })
      .refine(
        (text) => text.split(',').every((server) => parseHostPort(server.trim()) !== null),
        'expected host:port[,host:port...]',
      ),
    {
      flag: 'zookeeper-connect',
      env: 'ELECTOR_ZOOKEEPER_CONNECT',
      group: 'zookeeper',
      description: 'ZooKeeper: connect string "host:port,host:port".',
    },
  ),
  zookeeperChroot: option(
    // ZooKeeper's path rules (server PathUtils): absolute, no empty, "." or ".." segments.
    z
      .string()
      .regex(/^(\/[^/\s]+)+$/, 'expected an absolute znode path such as /team-a')
      .refine(
        (path) => !path.split('/').some((segment) => segment === '.' || segment === '..'),
        'expected no "." or ".." path segments',
      ),
    {
      flag: 'zookeeper-chroot',
      env: 'ELECTOR_ZOOKEEPER_CHROOT',
      group: 'zookeeper',
      description: 'ZooKeeper: path prefix under which the election lives.',
    },
  ),
  zookeeperSessionTimeoutMs: option(durationMs(400, 600_000), {
    flag: 'zookeeper-session-timeout',
    env: 'ELECTOR_ZOOKEEPER_SESSION_TIMEOUT',
    group: 'zookeeper',
    default: '4s',
    description:
      "ZooKeeper: session timeout; must lie within the server's 2..20 × tickTime or start is refused.",
  }),
  zookeeperAuthFile: option(path, {
    flag: 'zookeeper-auth-file',
    env: 'ELECTOR_ZOOKEEPER_AUTH_FILE',
    group: 'zookeeper',
    isSecret: true,
    description:
      'ZooKeeper: file holding "user:password" for digest auth (znodes then get a creator-only ACL).',
  }),
};

/** The connect string is required with the ZooKeeper backend. */
export const zookeeperRules: ConfigRule = (config, nameOf) =>
  config.backend === 'zookeeper' && config.zookeeperConnect === undefined
    ? [`${nameOf('zookeeperConnect')}: required with --backend zookeeper, e.g. 127.0.0.1:2181`]
    : [];
