import type { Logger } from 'pino';
import type { ElectionObserver } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';

export interface SupervisionContext {
  readonly logger: Logger;
  readonly observe: ElectionObserver;
}

/**
 * Runs fire-and-forget work so that a failure is never lost: it is logged at error and counted
 * as a backend-error event. The returned promise never rejects, so callers may keep it (to
 * wait for the task at shutdown) without handling it. `task` starts synchronously.
 */
export async function supervise(
  name: string,
  task: () => Promise<void>,
  context: SupervisionContext,
): Promise<void> {
  try {
    await task();
  } catch (error) {
    const code = error instanceof ElectorError ? error.code : 'INTERNAL';
    context.logger.error({ event: 'task.failed', task: name, code, err: error }, `${name} failed`);
    context.observe({ type: 'backend-error', operation: name, code });
  }
}
