import pino, { type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config/schema.js';
import { assertNever } from '../core/errors.js';

/** `time` as --log-time asks: a number (ms since the epoch) or ISO-8601 text in UTC. */
function timestampOf(logTime: Config['logTime']): NonNullable<LoggerOptions['timestamp']> {
  switch (logTime) {
    case 'epoch':
      return pino.stdTimeFunctions.epochTime;
    case 'iso':
      return pino.stdTimeFunctions.isoTime;
    default:
      return assertNever(logTime);
  }
}

/** `level` as --log-level-format asks: pino's number (30) or its label ("info"). */
function formattersOf(format: Config['logLevelFormat']): NonNullable<LoggerOptions['formatters']> {
  switch (format) {
    case 'number':
      return {};
    case 'label':
      return { level: (label) => ({ level: label }) };
    default:
      return assertNever(format);
  }
}

/**
 * The sidecar's root logger: JSON lines on stdout that carry this member's `id`, `election` and
 * `backend` (so no module below binds them again), credentials redacted, and `time` and `level`
 * in the format the options ask for.
 */
export function createRootLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { id: config.id, election: config.election, backend: config.backend },
    redact: ['clusterSecret', 'config.clusterSecret', 'authorization'],
    timestamp: timestampOf(config.logTime),
    formatters: formattersOf(config.logLevelFormat),
  });
}
