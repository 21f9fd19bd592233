import type { Logger } from 'pino';
import type { ElectionObserver } from '../../../core/election-events.js';
import { ElectorError } from '../../../core/errors.js';
import type { PeerMessage } from '../../../core/raft/messages.js';

export type MessageHandler = (message: PeerMessage) => void;

/**
 * The subscribers to accepted messages. A handler that throws (or returns a promise that
 * rejects) is logged and counted; it never breaks the socket that delivered the message.
 */
export class MessageFanout {
  // Stored as returning unknown, so a handler that is async after all can be caught.
  readonly #handlers = new Set<(message: PeerMessage) => unknown>();
  readonly #logger: Logger;
  readonly #observe: ElectionObserver;

  constructor(logger: Logger, observe: ElectionObserver) {
    this.#logger = logger;
    this.#observe = observe;
  }

  /** Returns an unsubscribe function. */
  add(handler: MessageHandler): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  deliver(message: PeerMessage): void {
    for (const handler of this.#handlers) {
      try {
        const result = handler(message);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            this.#failed(error);
          });
        }
      } catch (error) {
        this.#failed(error);
      }
    }
  }

  #failed(error: unknown): void {
    const code = error instanceof ElectorError ? error.code : 'INTERNAL';
    this.#logger.error(
      { event: 'peer.handler.failed', code, err: error },
      'message handler failed',
    );
    this.#observe({ type: 'backend-error', operation: 'peer message handler', code });
  }
}
