import type { Logger } from 'pino';
import { ElectorError } from '../core/errors.js';

/**
 * A child of `logger` that carries `bindings`, binding only the keys `logger` does not carry yet.
 * pino writes every binding of every ancestor into each line, so binding a key twice (the CLI's
 * root logger binds `backend` and `election`, and so did each backend) repeats it in the JSON,
 * which Elasticsearch and OpenSearch reject. A key `logger` already carries with the same value
 * is left out; one it carries with another value is a wiring mistake and throws ElectorError
 * INTERNAL, since a line cannot hold both.
 */
export function childLogger(logger: Logger, bindings: Readonly<Record<string, unknown>>): Logger {
  const carried = logger.bindings();
  const missing: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) {
    if (!Object.hasOwn(carried, key)) {
      missing[key] = value;
      continue;
    }
    if (carried[key] !== value) {
      throw new ElectorError(
        'INTERNAL',
        `logger: ${key} is already bound to ${JSON.stringify(carried[key])}; cannot bind ${JSON.stringify(value)}`,
      );
    }
  }
  return Object.keys(missing).length === 0 ? logger : logger.child(missing);
}
