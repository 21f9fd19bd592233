import { z } from 'zod';
import { backendNames } from '../../core/backend-name.js';
import { option } from '../option.js';
import { durationMs, memberId, path } from '../option-schemas.js';

export const generalOptions = {
  id: option(
    // Every input is text, so only a missing value is not a string.
    z
      .string("required (or ELECTOR_ID): this member's unique, stable ID, e.g. the pod name")
      .pipe(memberId),
    {
      flag: 'id',
      env: 'ELECTOR_ID',
      group: 'general',
      isRequired: true,
      description:
        "This member's ID: unique, stable (a StatefulSet pod name; from the downward API metadata.name).",
    },
  ),
  backend: option(z.enum(backendNames), {
    flag: 'backend',
    env: 'ELECTOR_BACKEND',
    group: 'general',
    default: 'raft',
    description: 'Election backend.',
  }),
  election: option(
    z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'expected a DNS label: lower-case letters, digits and "-", at most 63',
      ),
    {
      flag: 'election',
      env: 'ELECTOR_ELECTION',
      group: 'general',
      default: 'default',
      description: 'Name of the election (key prefix, znode, Lease name, metric label).',
    },
  ),
  logLevel: option(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), {
    flag: 'log-level',
    env: 'ELECTOR_LOG_LEVEL',
    group: 'general',
    default: 'info',
    description: 'Log level (JSON logs on stdout).',
  }),
  logTime: option(z.enum(['epoch', 'iso']), {
    flag: 'log-time',
    env: 'ELECTOR_LOG_TIME',
    group: 'general',
    default: 'epoch',
    description: 'Log line `time`: epoch (ms since 1970, a number) or iso (ISO-8601 text, UTC).',
  }),
  logLevelFormat: option(z.enum(['number', 'label']), {
    flag: 'log-level-format',
    env: 'ELECTOR_LOG_LEVEL_FORMAT',
    group: 'general',
    default: 'number',
    description: 'Log line `level`: number (10 trace .. 60 fatal) or label (the word, e.g. info).',
  }),
  shutdownTimeoutMs: option(durationMs(100, 600_000), {
    flag: 'shutdown-timeout',
    env: 'ELECTOR_SHUTDOWN_TIMEOUT',
    group: 'general',
    default: '5s',
    description: 'On SIGTERM, hand over leadership and exit within this time.',
  }),
  leaderFile: option(path, {
    flag: 'leader-file',
    env: 'ELECTOR_LEADER_FILE',
    group: 'general',
    description:
      'Write the current leader as JSON to this file, atomically (e.g. on a shared emptyDir).',
  }),
};
