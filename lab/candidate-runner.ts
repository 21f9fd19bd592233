// The shared body of the candidate processes (zookeeper-candidate.ts, lease-candidate.ts): a
// backend in its own process that tests kill, pause, resume or command. It writes JSON lines:
// the backend's own log, plus `candidate.*` events with `at` (wall-clock ms), including a
// `candidate.acting` sample every `workIntervalMs` while it acts as leader, as a workload that
// checks `current().isSelf` before each step would. Commands on stdin: `resign`,
// `eligible true|false`, `status`. SIGTERM resigns, then exits.
import { createInterface } from 'node:readline';
import { pino, type Logger } from 'pino';
import type { ElectionBackend, ElectionState } from '../src/backends/backend.js';
import { wallTimeOf } from '../src/runtime/system-clock.js';

export interface CandidateOutput {
  readonly logger: Logger;
  readonly emit: (event: string, fields: Record<string, unknown>) => void;
}

/** The process's JSON-lines output; create it first, so the backend's observer can emit too. */
export function candidateOutput(): CandidateOutput {
  const logger = pino({ base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }));
  return {
    logger,
    emit: (event, fields) => {
      logger.info({ event, at: Date.now(), ...fields });
    },
  };
}

function describe(memberId: string, state: ElectionState): Record<string, unknown> {
  return {
    memberId,
    isSelf: state.isSelf,
    leader: state.leader,
    leaderAddress: state.leaderAddress,
    fencingToken: state.fencingToken.toString(),
    role: state.role,
    leaseExpiresAtWall: state.leaseExpiresAt === null ? null : wallTimeOf(state.leaseExpiresAt),
  };
}

/** Runs `backend` until SIGTERM (resign first) or a failed start, then exits the process. */
export function runCandidate(
  backend: ElectionBackend,
  output: CandidateOutput,
  settings: { readonly memberId: string; readonly workIntervalMs: number },
): void {
  const { emit } = output;
  const root = new AbortController();
  const current = (): Record<string, unknown> => describe(settings.memberId, backend.current());
  backend.onChange((state) => {
    emit('candidate.transition', describe(settings.memberId, state));
  });
  // Timers run before I/O after a SIGCONT, so this sample is the first thing a resumed leader
  // does: it must already see that its lease is gone.
  const work = setInterval(() => {
    const state = backend.current();
    if (state.isSelf) emit('candidate.acting', describe(settings.memberId, state));
  }, settings.workIntervalMs);
  process.on('SIGCONT', () => {
    emit('candidate.resumed', current());
  });
  process.on('SIGTERM', () => {
    backend
      .resign(AbortSignal.timeout(2000))
      .catch((error: unknown) => {
        emit('candidate.resign-failed', { error: String(error) });
      })
      .finally(() => {
        root.abort(new Error('SIGTERM'));
      });
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'resign') {
      backend.resign(AbortSignal.timeout(5000)).then(
        () => {
          emit('candidate.resigned', current());
        },
        (error: unknown) => {
          emit('candidate.resign-failed', { error: String(error) });
        },
      );
    } else if (command === 'eligible') {
      backend.setEligible(argument === 'true');
    } else if (command === 'status') {
      emit('candidate.status', current());
    }
  });
  backend.start(root.signal).then(
    () => {
      emit('candidate.started', current());
    },
    (error: unknown) => {
      emit('candidate.start-failed', { error: String(error) });
      process.exitCode = 2;
      root.abort(error);
    },
  );
  root.signal.addEventListener('abort', () => {
    clearInterval(work);
    void backend.stopped().then(() => {
      emit('candidate.stopped', {});
      process.exit();
    });
  });
}
