import type { Logger } from 'pino';
import type { ElectionState } from './backend.js';

/**
 * The change stream of a backend's ElectionState: emits (and logs, as one `leadership.changed`
 * event) only when leader, token, acting or role differ from the last state emitted. A listener
 * that throws is logged; the others still run.
 */
export class LeadershipPublisher {
  private readonly listeners = new Set<(next: ElectionState) => void>();
  private last: ElectionState | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly backend: string,
  ) {}

  onChange(listener: (next: ElectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(next: ElectionState): void {
    const previous = this.last;
    if (
      previous !== null &&
      previous.leader === next.leader &&
      previous.fencingToken === next.fencingToken &&
      previous.isSelf === next.isSelf &&
      previous.role === next.role
    ) {
      return;
    }
    this.last = next;
    this.logger.info(
      {
        event: 'leadership.changed',
        backend: this.backend,
        term: next.term.toString(),
        fencingToken: next.fencingToken.toString(),
        leader: next.leader,
        previousLeader: previous?.leader ?? null,
        isSelf: next.isSelf,
        role: next.role,
      },
      next.isSelf ? 'acting as leader' : `following ${next.leader ?? 'no known leader'}`,
    );
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (error) {
        this.logger.error({ event: 'listener.failed', err: error }, 'onChange listener threw');
      }
    }
  }
}
