// A ZooKeeper election candidate in its own process, for tests that kill, pause or resume it.
// Usage: node --import tsx test/helpers/zookeeper-candidate.ts '<json settings>'
// Writes JSON lines to stdout: the backend's own log, plus `candidate.*` events with `at`
// (wall-clock ms). While it acts as leader it writes a `candidate.acting` sample every
// `workIntervalMs`, as a workload that checks `current().isSelf` before each step would.
// Reads commands from stdin: `resign`, `eligible true|false`, `status`.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { z } from 'zod';
import { createZooKeeperBackend } from '../../src/backends/zookeeper/index.js';
import type { ElectionState } from '../../src/backends/backend.js';
import { systemClock, wallTimeOf } from '../../src/runtime/system-clock.js';

const settingsSchema = z.object({
  memberId: z.string(),
  connectString: z.string(),
  electionName: z.string(),
  sessionTimeoutMs: z.int(),
  workIntervalMs: z.int().default(20),
});
const settings = settingsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const logger = pino({ base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }));
const root = new AbortController();
const backend = createZooKeeperBackend({
  memberId: settings.memberId,
  address: `127.0.0.1:${String(10_000 + process.pid)}`,
  connectString: settings.connectString,
  electionName: settings.electionName,
  sessionTimeoutMs: settings.sessionTimeoutMs,
  clock: systemClock,
  random: Math.random,
  observe: (event) => {
    if (event.type === 'watch-event') emit('candidate.watch-event', {});
  },
  logger,
});

function emit(event: string, fields: Record<string, unknown>): void {
  logger.info({ event, at: Date.now(), ...fields });
}

function describe(state: ElectionState): Record<string, unknown> {
  return {
    isSelf: state.isSelf,
    leader: state.leader,
    fencingToken: state.fencingToken.toString(),
    role: state.role,
    leaseExpiresAtWall: state.leaseExpiresAt === null ? null : wallTimeOf(state.leaseExpiresAt),
  };
}

backend.onChange((state) => {
  emit('candidate.transition', describe(state));
});

// Timers run before I/O after a SIGCONT, so this sample is the first thing a resumed leader
// does: it must already see that its lease is gone.
const work = setInterval(() => {
  const state = backend.current();
  if (state.isSelf) emit('candidate.acting', describe(state));
}, settings.workIntervalMs);

process.on('SIGCONT', () => {
  emit('candidate.resumed', describe(backend.current()));
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
        emit('candidate.resigned', describe(backend.current()));
      },
      (error: unknown) => {
        emit('candidate.resign-failed', { error: String(error) });
      },
    );
  } else if (command === 'eligible') {
    backend.setEligible(argument === 'true');
  } else if (command === 'status') {
    emit('candidate.status', describe(backend.current()));
  }
});

backend.start(root.signal).then(
  () => {
    emit('candidate.started', describe(backend.current()));
  },
  (error: unknown) => {
    emit('candidate.start-failed', { error: String(error) });
    process.exitCode = 2;
    root.abort(error);
  },
);

root.signal.addEventListener('abort', () => {
  clearInterval(work);
  void backend.closed().then(() => {
    emit('candidate.stopped', {});
    process.exit();
  });
});
