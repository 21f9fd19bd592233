import { z } from 'zod';
import { ElectorError } from '../../core/errors.js';
import { validateRaftConfig } from '../../core/raft/config.js';
import type { OptionKey } from '../options.js';
import type { ConfigRule } from '../schema.js';
import { parseHostPort, unbracketHost } from '../host-port.js';
import { option } from '../option.js';
import { durationMs, port, list, memberId, path } from '../option-schemas.js';

export const raftOptions = {
  members: option(list.pipe(z.array(memberId)), {
    flag: 'members',
    env: 'ELECTOR_MEMBERS',
    group: 'raft',
    default: '',
    description:
      'Raft: the desired member IDs, comma-separated (1, 3, 5 or 7), this one included. Restarting members with a new list changes the replicated member set (see Changing the member set).',
  }),
  peers: option(list, {
    flag: 'peers',
    env: 'ELECTOR_PEERS',
    group: 'raft',
    default: '',
    description:
      'Raft: static peer addresses, "id=host:port,..." or "id=[ipv6]:port" (otherwise each peer is found by DNS through --peer-host-template).',
  }),
  peerHostTemplate: option(z.string().includes('{id}', 'expected a template containing {id}'), {
    flag: 'peer-host-template',
    env: 'ELECTOR_PEER_HOST_TEMPLATE',
    group: 'raft',
    default: '{id}',
    description:
      'Raft: DNS name of a peer, e.g. "{id}.elector-peers.ns.svc.cluster.local" (re-resolved when a peer is unreachable).',
  }),
  peerHost: option(z.string().min(1).transform(unbracketHost), {
    flag: 'peer-host',
    env: 'ELECTOR_PEER_HOST',
    group: 'raft',
    default: '0.0.0.0',
    description: 'Raft: address the peer port listens on.',
  }),
  peerPort: option(port, {
    flag: 'peer-port',
    env: 'ELECTOR_PEER_PORT',
    group: 'raft',
    default: '7946',
    description: "Raft: peer port (this member's, and the default for peers found by DNS).",
  }),
  peerHttpAddresses: option(list, {
    flag: 'peer-http-addresses',
    env: 'ELECTOR_PEER_HTTP_ADDRESSES',
    group: 'raft',
    default: '',
    description:
      'Raft: HTTP API address of each member, "id=host:port,..." (default: the peer host with --http-port).',
  }),
  clusterSecretFile: option(path, {
    flag: 'cluster-secret-file',
    env: 'ELECTOR_CLUSTER_SECRET_FILE',
    group: 'raft',
    isSecret: true,
    description:
      'Raft: file holding the shared cluster secret that authenticates peers (a mounted Secret).',
  }),
  clusterSecret: option(z.string().min(16, 'expected at least 16 characters'), {
    flag: 'cluster-secret',
    env: 'ELECTOR_CLUSTER_SECRET',
    group: 'raft',
    isSecret: true,
    isSecretValue: true,
    description:
      'Raft: the cluster secret itself (prefer the file or the environment variable: a flag shows in ps and draws a warning). Not together with --cluster-secret-file.',
  }),
  stateDir: option(path, {
    flag: 'state-dir',
    env: 'ELECTOR_STATE_DIR',
    group: 'raft',
    default: './elector-state',
    description:
      'Raft: directory for the durable term, vote and configuration (keep it across restarts: a PVC).',
  }),
  heartbeatIntervalMs: option(durationMs(1, 60_000), {
    flag: 'heartbeat-interval',
    env: 'ELECTOR_HEARTBEAT_INTERVAL',
    group: 'raft',
    default: '100ms',
    description: 'Raft: leader heartbeat interval.',
  }),
  electionTimeoutMs: option(durationMs(3, 600_000), {
    flag: 'election-timeout',
    env: 'ELECTOR_ELECTION_TIMEOUT',
    group: 'raft',
    default: '500ms',
    description:
      'Raft: election timeout T (followers campaign after a random [T, 2T]); at least 3 heartbeats.',
  }),
  maxClockDrift: option(
    z.coerce
      .number<string>('expected a number')
      .min(0, 'expected a fraction in [0, 0.5)')
      .lt(0.5, 'expected a fraction in [0, 0.5)'),
    {
      flag: 'max-clock-drift',
      env: 'ELECTOR_MAX_CLOCK_DRIFT',
      group: 'raft',
      default: '0.05',
      description: 'Raft: bound on clock-rate disagreement; the leader lease is T × (1 − drift).',
    },
  ),
  leaveTimeoutMs: option(durationMs(0, 600_000), {
    flag: 'leave-timeout',
    env: 'ELECTOR_LEAVE_TIMEOUT',
    group: 'raft',
    default: '20s',
    description:
      'Raft in Kubernetes: on SIGTERM, a pod its StatefulSet scaled away first leaves the member set, waiting up to this long for its removal to commit (keep terminationGracePeriodSeconds above it plus --shutdown-timeout); 0 turns this off.',
  }),
};

/** Names the Raft library uses for the settings it checks, mapped to the table's keys. */
const raftFieldKeys = {
  heartbeatIntervalMs: 'heartbeatIntervalMs',
  electionTimeoutMs: 'electionTimeoutMs',
  maxClockDrift: 'maxClockDrift',
  members: 'members',
  id: 'id',
} as const satisfies Readonly<Record<string, OptionKey>>;

function isRaftField(field: string): field is keyof typeof raftFieldKeys {
  return Object.hasOwn(raftFieldKeys, field);
}

/** The Raft library's own rules (with flag names), a secret for a mesh, and peer entries. */
export const raftRules: ConfigRule = (config, nameOf) => {
  if (config.backend !== 'raft') return [];
  const problems: string[] = [];
  try {
    validateRaftConfig({
      ...config,
      members: config.members.length === 0 ? [config.id] : config.members,
    });
  } catch (error) {
    if (!(error instanceof ElectorError)) throw error;
    for (const line of error.message.split('\n')) {
      const match = /^(\w+): (.*)$/s.exec(line);
      const field = match?.[1];
      problems.push(
        field !== undefined && isRaftField(field)
          ? `${nameOf(raftFieldKeys[field])}: ${match?.[2] ?? ''}`
          : line,
      );
    }
  }
  if (config.clusterSecret !== undefined && config.clusterSecretFile !== undefined) {
    problems.push(
      `${nameOf('clusterSecret')} and ${nameOf('clusterSecretFile')}: both given; give only one (the file is safer: a flag's value shows in ps)`,
    );
  }
  if (
    config.clusterSecret === undefined &&
    config.clusterSecretFile === undefined &&
    config.clusterSecretName === undefined &&
    config.members.length > 1
  ) {
    problems.push(
      '--cluster-secret-file: required for a Raft mesh of more than one member (or ELECTOR_CLUSTER_SECRET, or --cluster-secret-name in Kubernetes); peers authenticate with it',
    );
  }
  for (const entry of [...config.peers, ...config.peerHttpAddresses]) {
    const match = /^([^=\s]+)=(.*)$/s.exec(entry);
    if (match === null || parseHostPort(match[2] ?? '') === null) {
      problems.push(
        `${config.peers.includes(entry) ? nameOf('peers') : nameOf('peerHttpAddresses')}: expected "id=host:port" entries (an IPv6 host in brackets: "id=[::1]:7946"); got ${JSON.stringify(entry)}`,
      );
    }
  }
  return problems;
};
