import { z } from 'zod';
import type { BackendName } from '../core/backend-name.js';
import { optionSpecs } from './options.js';

/** The validated settings of `elector run`. Optional fields are absent when not given. */
export interface Config {
  readonly id: string;
  readonly backend: BackendName;
  readonly election: string;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly shutdownTimeoutMs: number;
  readonly leaderFile?: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly advertiseAddress?: string;
  readonly resignPolicy: 'loopback' | 'token' | 'loopback-or-token';
  readonly resignTokenFile?: string;
  readonly members: readonly string[];
  readonly peers: readonly string[];
  readonly peerHostTemplate: string;
  readonly peerHost: string;
  readonly peerPort: number;
  readonly peerHttpAddresses: readonly string[];
  readonly clusterSecretFile?: string;
  readonly clusterSecret?: string;
  readonly stateDir: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly maxClockDrift: number;
  readonly leaveTimeoutMs: number;
  readonly etcdEndpoints: readonly string[];
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  readonly etcdUsername?: string;
  readonly etcdPasswordFile?: string;
  readonly etcdLeaseTtlMs: number;
  readonly zookeeperConnect?: string;
  readonly zookeeperChroot?: string;
  readonly zookeeperSessionTimeoutMs: number;
  readonly zookeeperAuthFile?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly podName?: string;
  readonly podLabels: 'auto' | 'true' | 'false';
  readonly roleLabelKey: string;
  readonly electionLabelKey: string;
  readonly readinessConditionType?: string;
  readonly podEvents: boolean;
  readonly leaseName?: string;
  readonly leaseDurationMs: number;
  readonly leaseRenewDeadlineMs: number;
  readonly leaseRetryPeriodMs: number;
  readonly healthHttpUrl?: string;
  readonly healthTcpAddress?: string;
  readonly healthExec?: string;
  readonly healthPeriodMs: number;
  readonly healthTimeoutMs: number;
  readonly healthFailureThreshold: number;
  readonly healthSuccessThreshold: number;
  readonly healthInitialDelayMs: number;
  readonly onLeaderExec?: string;
  readonly onFollowerExec?: string;
  readonly onLeaderUrl?: string;
  readonly onFollowerUrl?: string;
  readonly hookTimeoutMs: number;
}

/** Defaults, as raw text, so they pass through the same schema as user input. */
export const defaultValues: Readonly<Record<string, string>> = {
  backend: 'raft',
  election: 'default',
  logLevel: 'info',
  shutdownTimeoutMs: '5s',
  httpHost: '0.0.0.0',
  httpPort: '4040',
  resignPolicy: 'loopback',
  members: '',
  peers: '',
  peerHostTemplate: '{id}',
  peerHost: '0.0.0.0',
  peerPort: '7946',
  peerHttpAddresses: '',
  stateDir: './elector-state',
  heartbeatIntervalMs: '100ms',
  electionTimeoutMs: '500ms',
  maxClockDrift: '0.05',
  leaveTimeoutMs: '20s',
  etcdEndpoints: '',
  etcdLeaseTtlMs: '5s',
  zookeeperSessionTimeoutMs: '4s',
  podLabels: 'auto',
  roleLabelKey: 'elector.io/role',
  electionLabelKey: 'elector.io/election',
  podEvents: 'true',
  leaseDurationMs: '15s',
  leaseRenewDeadlineMs: '10s',
  leaseRetryPeriodMs: '2s',
  healthPeriodMs: '100ms',
  healthTimeoutMs: '100ms',
  healthFailureThreshold: '3',
  healthSuccessThreshold: '1',
  healthInitialDelayMs: '0ms',
  hookTimeoutMs: '5s',
};

/** One zod schema for the whole configuration: every option's own type, all optional here. */
export const configSchema = z.object(
  Object.fromEntries(optionSpecs.map((spec) => [spec.key, spec.schema.optional()])),
);
