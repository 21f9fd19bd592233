import { z } from 'zod';
import type { ConfigRule } from '../schema.js';
import { option } from '../option.js';
import { parseHostPort } from '../host-port.js';
import { redactedUrl } from '../redacted-url.js';
import { durationMs, list, path } from '../option-schemas.js';

/** An etcd client endpoint: host:port or [ipv6]:port, with an optional http(s):// scheme. */
const isEtcdEndpoint = (endpoint: string): boolean =>
  parseHostPort(endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '')) !== null;

export const etcdOptions = {
  etcdEndpoints: option(
    list.refine(
      (endpoints) => endpoints.every(isEtcdEndpoint),
      'expected host:port or http(s)://host:port, comma-separated',
    ),
    {
      flag: 'etcd-endpoints',
      env: 'ELECTOR_ETCD_ENDPOINTS',
      group: 'etcd',
      default: '',
      description:
        'etcd: client endpoints, "host:port,..." (https:// when the TLS options are set).',
    },
  ),
  etcdCaFile: option(path, {
    flag: 'etcd-ca-file',
    env: 'ELECTOR_ETCD_CA_FILE',
    group: 'etcd',
    description: 'etcd: CA bundle that signed the server certificates.',
  }),
  etcdCertFile: option(path, {
    flag: 'etcd-cert-file',
    env: 'ELECTOR_ETCD_CERT_FILE',
    group: 'etcd',
    description: 'etcd: client certificate (with --etcd-key-file).',
  }),
  etcdKeyFile: option(path, {
    flag: 'etcd-key-file',
    env: 'ELECTOR_ETCD_KEY_FILE',
    group: 'etcd',
    isSecret: true,
    description: 'etcd: client private key.',
  }),
  etcdUsername: option(z.string().min(1), {
    flag: 'etcd-username',
    env: 'ELECTOR_ETCD_USERNAME',
    group: 'etcd',
    description: 'etcd: user name for etcd authentication.',
  }),
  etcdPasswordFile: option(path, {
    flag: 'etcd-password-file',
    env: 'ELECTOR_ETCD_PASSWORD_FILE',
    group: 'etcd',
    isSecret: true,
    description: 'etcd: file holding the password of --etcd-username.',
  }),
  etcdLeaseTtlMs: option(
    durationMs(1000, 3_600_000).refine(
      (value) => value % 1000 === 0,
      'expected whole seconds, such as 5s',
    ),
    {
      flag: 'etcd-lease-ttl',
      env: 'ELECTOR_ETCD_LEASE_TTL',
      group: 'etcd',
      default: '5s',
      description:
        'etcd: lease TTL; the leader stops acting when it cannot renew within it. etcd raises TTLs below its own minimum, which is refused at start.',
    },
  ),
};

/**
 * Endpoints are required with the etcd backend, all with one scheme (https:// or none with the
 * TLS options); TLS and password options go in pairs.
 */
export const etcdRules: ConfigRule = (config, nameOf) => {
  if (config.backend !== 'etcd') return [];
  const problems: string[] = [];
  if (config.etcdEndpoints.length === 0) {
    problems.push(`${nameOf('etcdEndpoints')}: required with --backend etcd, e.g. 127.0.0.1:2379`);
  }
  const isTls = [config.etcdCaFile, config.etcdCertFile].some((file) => file !== undefined);
  const schemes = new Set(
    config.etcdEndpoints.map(
      (endpoint) => /^https?(?=:\/\/)/.exec(endpoint)?.[0] ?? (isTls ? 'https' : 'http'),
    ),
  );
  if (schemes.size > 1) {
    problems.push(
      `${nameOf('etcdEndpoints')}: expected all http:// or all https://; got ${JSON.stringify(redactedUrl(config.etcdEndpoints.join(',')))}`,
    );
  }
  if (isTls && config.etcdEndpoints.some((endpoint) => endpoint.startsWith('http://'))) {
    problems.push(
      `${nameOf('etcdEndpoints')}: the TLS options are set, so expected https:// or no scheme`,
    );
  }
  if ((config.etcdCertFile === undefined) !== (config.etcdKeyFile === undefined)) {
    problems.push(`${nameOf('etcdCertFile')}: --etcd-cert-file and --etcd-key-file go together`);
  }
  if ((config.etcdUsername === undefined) !== (config.etcdPasswordFile === undefined)) {
    problems.push(
      `${nameOf('etcdUsername')}: --etcd-username and --etcd-password-file go together`,
    );
  }
  return problems;
};
