import { formatHostPort } from '../../config/host-port.js';
import type { Config } from '../../config/schema.js';
import { advertisedAddress, runtimeServices, type BackendRuntime } from '../backend-runtime.js';
import { createPeerResolver, parseAddressList } from './peer-resolver.js';
import type { RaftBackendOptions } from './raft-backend.js';

/** The Raft backend's options from `elector run`'s settings; a lone member needs no secret. */
export function raftFromConfig(config: Config, runtime: BackendRuntime): RaftBackendOptions {
  const members = config.members.length === 0 ? [config.id] : config.members;
  const staticPeers = parseAddressList(config.peers);
  const httpAddresses = new Map(
    [...parseAddressList(config.peerHttpAddresses)].map(([id, address]) => [
      id,
      formatHostPort(address),
    ]),
  );
  const httpAddressOf = (id: string): string => {
    const known = httpAddresses.get(id);
    if (known !== undefined) return known;
    if (id === config.id) return advertisedAddress(config);
    const host = staticPeers.get(id)?.host ?? config.peerHostTemplate.replaceAll('{id}', id);
    return formatHostPort({ host, port: config.httpPort });
  };
  const secret = runtime.clusterSecret ?? `single-member:${config.id}`.padEnd(16, '.');
  return {
    config: {
      id: config.id,
      members,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      electionTimeoutMs: config.electionTimeoutMs,
      maxClockDrift: config.maxClockDrift,
      priority: config.priority,
      priorityHandoverDelayMs: config.priorityHandoverDelayMs,
    },
    stateDir: config.stateDir,
    listenHost: config.peerHost,
    listenPort: config.peerPort,
    resolvePeer: createPeerResolver(staticPeers, config.peerHostTemplate, config.peerPort),
    httpAddressOf,
    secret: new TextEncoder().encode(secret),
    ...runtimeServices(runtime),
    ...(runtime.testMutations === undefined ? {} : { mutations: runtime.testMutations }),
  };
}
