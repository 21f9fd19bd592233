import { z } from 'zod';
import { option } from '../option.js';
import { durationMs, count } from '../option-schemas.js';

export const workloadOptions = {
  healthHttpUrl: option(z.string().min(1), {
    flag: 'health-http-url',
    env: 'ELECTOR_HEALTH_HTTP_URL',
    group: 'workload',
    description:
      'Workload health check: GET this URL (e.g. http://127.0.0.1:8080/healthz); healthy on 200-399. While unhealthy this member does not campaign, and a leader hands over.',
  }),
  healthTcpAddress: option(z.string().min(1), {
    flag: 'health-tcp-address',
    env: 'ELECTOR_HEALTH_TCP_ADDRESS',
    group: 'workload',
    description: 'Workload health check: healthy when a TCP connection to host:port opens.',
  }),
  healthExec: option(z.string().min(1), {
    flag: 'health-exec',
    env: 'ELECTOR_HEALTH_EXEC',
    group: 'workload',
    description:
      'Workload health check: healthy when this shell command (sh -c, run in the elector container) exits 0; killed at --health-timeout.',
  }),
  healthPeriodMs: option(durationMs(10, 600_000), {
    flag: 'health-period',
    env: 'ELECTOR_HEALTH_PERIOD',
    group: 'workload',
    default: '100ms',
    description: 'Time from the start of one health probe to the next.',
  }),
  healthTimeoutMs: option(durationMs(1, 600_000), {
    flag: 'health-timeout',
    env: 'ELECTOR_HEALTH_TIMEOUT',
    group: 'workload',
    default: '100ms',
    description: 'A probe without an answer after this counts as failed; at most --health-period.',
  }),
  healthFailureThreshold: option(count(100), {
    flag: 'health-failure-threshold',
    env: 'ELECTOR_HEALTH_FAILURE_THRESHOLD',
    group: 'workload',
    default: '3',
    description: 'Consecutive failed probes that make the workload unhealthy.',
  }),
  healthSuccessThreshold: option(count(100), {
    flag: 'health-success-threshold',
    env: 'ELECTOR_HEALTH_SUCCESS_THRESHOLD',
    group: 'workload',
    default: '1',
    description: 'Consecutive successful probes that make it healthy (it starts unhealthy).',
  }),
  healthInitialDelayMs: option(durationMs(0, 3_600_000), {
    flag: 'health-initial-delay',
    env: 'ELECTOR_HEALTH_INITIAL_DELAY',
    group: 'workload',
    default: '0s',
    description: 'Wait this long before the first probe.',
  }),
  onLeaderExec: option(z.string().min(1), {
    flag: 'on-leader-exec',
    env: 'ELECTOR_ON_LEADER_EXEC',
    group: 'workload',
    description:
      'Shell command run when this member becomes leader (env ELECTOR_ROLE, ELECTOR_LEADER, ELECTOR_FENCING_TOKEN, ELECTOR_TERM, ELECTOR_ELECTION).',
  }),
  onFollowerExec: option(z.string().min(1), {
    flag: 'on-follower-exec',
    env: 'ELECTOR_ON_FOLLOWER_EXEC',
    group: 'workload',
    description:
      'Shell command run when this member stops leading (also ELECTOR_PREVIOUS_FENCING_TOKEN).',
  }),
  onLeaderUrl: option(z.string().min(1), {
    flag: 'on-leader-url',
    env: 'ELECTOR_ON_LEADER_URL',
    group: 'workload',
    description: 'POST the same fields as JSON to this URL when this member becomes leader.',
  }),
  onFollowerUrl: option(z.string().min(1), {
    flag: 'on-follower-url',
    env: 'ELECTOR_ON_FOLLOWER_URL',
    group: 'workload',
    description: 'POST them to this URL when this member stops leading.',
  }),
  hookTimeoutMs: option(durationMs(10, 600_000), {
    flag: 'hook-timeout',
    env: 'ELECTOR_HOOK_TIMEOUT',
    group: 'workload',
    default: '5s',
    description:
      'Per hook: an exec hook still running is killed with its process group; an HTTP hook is cut off.',
  }),
};
