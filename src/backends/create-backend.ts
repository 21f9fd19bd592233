import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ElectionObserver } from '../core/election-events.js';
import { ElectorError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { createPeerResolver, parseAddressList } from '../raft/peer-resolver.js';
import type { ElectionBackend } from './backend.js';
import { createRaftBackend } from './raft/raft-backend.js';

export interface BackendRuntime {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly observe: ElectionObserver;
  /** The Raft cluster secret, read from its file or variable by the caller. */
  readonly clusterSecret: string | null;
}

/** This member's HTTP API address as others should use it. */
export function advertisedAddress(config: Config): string {
  return config.advertiseAddress ?? `${config.id}:${config.httpPort}`;
}

/** Builds the backend named by `config.backend`. Throws CONFIG_INVALID for settings it cannot use. */
export function createBackend(config: Config, runtime: BackendRuntime): ElectionBackend {
  switch (config.backend) {
    case 'raft':
      return createRaftBackendFromConfig(config, runtime);
    case 'etcd':
    case 'zookeeper':
    case 'kubernetes':
      throw new ElectorError(
        'CONFIG_INVALID',
        `--backend: "${config.backend}" is not available in this build yet; use raft`,
      );
  }
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
    ...runtime,
  });
}
