import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ElectionObserver } from '../core/election-events.js';
import type { SafeguardMutations } from '../core/raft/state.js';
import { ElectorError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { readFileSync } from 'node:fs';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import { createPeerResolver, parseAddressList } from './raft/peer-resolver.js';
import type { ElectionBackend } from './backend.js';
import type { EtcdBackendOptions } from './etcd/options.js';
import { createRaftBackend } from './raft/raft-backend.js';

export interface BackendRuntime {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: ElectionObserver;
  /** The Raft cluster secret, read from its file or variable by the caller. */
  readonly clusterSecret: string | null;
  /** The Kubernetes API, when configured (Lease backend, pod labels). */
  readonly kubernetesApi: KubernetesApi | null;
  /**
   * Deliberate breakages, only for fault tests that must see them caught. Raft honours each
   * one; the other backends only `ignoreLease` (see withStickyLeadership).
   */
  readonly testMutations?: SafeguardMutations;
}

function readCredential(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `${flag}: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** This member's HTTP API address as others should use it. */
export function advertisedAddress(config: Config): string {
  return config.advertiseAddress ?? `${config.id}:${config.httpPort}`;
}

/**
 * Builds the backend named by `config.backend`, loading only that backend's client library.
 * Rejects with CONFIG_INVALID for settings it cannot use.
 */
export async function createBackend(
  config: Config,
  runtime: BackendRuntime,
): Promise<ElectionBackend> {
  const backend = await createSafeBackend(config, runtime);
  if (config.backend === 'raft' || runtime.testMutations?.ignoreLease !== true) return backend;
  const { withStickyLeadership } = await import('./unsafe-sticky-leadership.js');
  return withStickyLeadership(backend);
}

async function createSafeBackend(
  config: Config,
  runtime: BackendRuntime,
): Promise<ElectionBackend> {
  switch (config.backend) {
    case 'raft':
      return createRaftBackendFromConfig(config, runtime);
    case 'etcd': {
      const { createEtcdBackend } = await import('./etcd/etcd-backend.js');
      return createEtcdBackend({
        memberId: config.id,
        address: advertisedAddress(config),
        endpoints: config.etcdEndpoints,
        electionName: config.election,
        leaseTtlSeconds: config.etcdLeaseTtlMs / 1000,
        ...etcdSecurityOf(config),
        ...commonOf(runtime),
      });
    }
    case 'zookeeper': {
      const { createZooKeeperBackend } = await import('./zookeeper/zookeeper-backend.js');
      return createZooKeeperBackend({
        memberId: config.id,
        address: advertisedAddress(config),
        connectString: config.zookeeperConnect ?? '',
        electionName: `/elector/${config.election}`,
        sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
        ...(config.zookeeperChroot === undefined ? {} : { chroot: config.zookeeperChroot }),
        ...(config.zookeeperAuthFile === undefined
          ? {}
          : {
              auth: {
                scheme: 'digest' as const,
                credentials: readCredential(config.zookeeperAuthFile, '--zookeeper-auth-file'),
              },
            }),
        ...commonOf(runtime),
      });
    }
    case 'kubernetes': {
      if (runtime.kubernetesApi === null) {
        throw new ElectorError(
          'CONFIG_INVALID',
          '--backend kubernetes: no Kubernetes API configured (give --kubeconfig, or run in a pod)',
        );
      }
      const { createLeaseBackend } = await import('./kubernetes/lease-backend.js');
      return createLeaseBackend({
        memberId: config.id,
        address: advertisedAddress(config),
        api: runtime.kubernetesApi,
        namespace: config.namespace ?? 'default',
        leaseName: config.leaseName ?? `elector-${config.election}`,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.leaseRenewDeadlineMs,
        retryPeriodMs: config.leaseRetryPeriodMs,
        ...commonOf(runtime),
      });
    }
  }
}

function etcdSecurityOf(config: Config): Pick<EtcdBackendOptions, 'tls' | 'auth'> {
  const tls = {
    ...(config.etcdCaFile === undefined ? {} : { caFile: config.etcdCaFile }),
    ...(config.etcdCertFile === undefined || config.etcdKeyFile === undefined
      ? {}
      : { certFile: config.etcdCertFile, keyFile: config.etcdKeyFile }),
  };
  return {
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    ...(config.etcdUsername === undefined || config.etcdPasswordFile === undefined
      ? {}
      : {
          auth: {
            username: config.etcdUsername,
            password: readCredential(config.etcdPasswordFile, '--etcd-password-file'),
          },
        }),
  };
}

function commonOf(
  runtime: BackendRuntime,
): Pick<BackendRuntime, 'clock' | 'random' | 'logger' | 'observe'> {
  return {
    clock: runtime.clock,
    random: runtime.random,
    logger: runtime.logger,
    observe: runtime.observe,
  };
}

function createRaftBackendFromConfig(config: Config, runtime: BackendRuntime): ElectionBackend {
  const members = config.members.length === 0 ? [config.id] : config.members;
  const staticPeers = parseAddressList(config.peers);
  const httpAddresses = new Map(
    [...parseAddressList(config.peerHttpAddresses)].map(([id, address]) => [
      id,
      `${address.host}:${address.port}`,
    ]),
  );
  const httpAddressOf = (id: string): string => {
    const known = httpAddresses.get(id);
    if (known !== undefined) return known;
    if (id === config.id) return advertisedAddress(config);
    const host = staticPeers.get(id)?.host ?? config.peerHostTemplate.replaceAll('{id}', id);
    return `${host}:${config.httpPort}`;
  };
  const secret = runtime.clusterSecret ?? `single-member:${config.id}`.padEnd(16, '.');
  return createRaftBackend({
    config: {
      id: config.id,
      members,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      electionTimeoutMs: config.electionTimeoutMs,
      maxClockDrift: config.maxClockDrift,
    },
    stateDir: config.stateDir,
    listenHost: config.peerHost,
    listenPort: config.peerPort,
    resolvePeer: createPeerResolver(staticPeers, config.peerHostTemplate, config.peerPort),
    httpAddressOf,
    secret: new TextEncoder().encode(secret),
    ...commonOf(runtime),
    ...(runtime.testMutations === undefined ? {} : { mutations: runtime.testMutations }),
  });
}
