// A Lease-backend election candidate in its own process, for tests that kill it or make it resign.
// Usage: node --import tsx test/helpers/lease-candidate.ts '<json settings>'
// Writes JSON lines to stdout: the backend's own log, plus `candidate.*` events with `at`
// (wall-clock ms): `candidate.transition` for every ElectionState change, and
// `candidate.acting` every `workIntervalMs` while it acts as leader.
// Reads commands from stdin: `resign`, `eligible true|false`, `status`. SIGTERM resigns, then exits.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { z } from 'zod';
import type { ElectionState } from '../../src/backends/backend.js';
import { createLeaseBackend } from '../../src/backends/kubernetes/index.js';
import { createKubernetesApi } from '../../src/kubernetes/api-client.js';
import { systemClock } from '../../src/runtime/system-clock.js';

const settingsSchema = z.object({
  memberId: z.string(),
  kubeconfig: z.string(),
  namespace: z.string().default('default'),
  leaseName: z.string(),
  leaseDurationMs: z.int(),
  renewDeadlineMs: z.int(),
  retryPeriodMs: z.int(),
  workIntervalMs: z.int().default(20),
});
const settings = settingsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const logger = pino({ base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }));
const root = new AbortController();
const backend = createLeaseBackend({
  memberId: settings.memberId,
  address: `127.0.0.1:${String(10_000 + (process.pid % 50_000))}`,
  api: createKubernetesApi({ source: { kind: 'kubeconfig', path: settings.kubeconfig } }),
  namespace: settings.namespace,
  leaseName: settings.leaseName,
  leaseDurationMs: settings.leaseDurationMs,
  renewDeadlineMs: settings.renewDeadlineMs,
  retryPeriodMs: settings.retryPeriodMs,
  clock: systemClock,
  random: Math.random,
  observe: () => undefined,
  logger,
});

function emit(event: string, fields: Record<string, unknown>): void {
  logger.info({ event, at: Date.now(), ...fields });
}

function describe(state: ElectionState): Record<string, unknown> {
  return {
    memberId: settings.memberId,
    isSelf: state.isSelf,
    leader: state.leader,
    leaderAddress: state.leaderAddress,
    fencingToken: state.fencingToken.toString(),
    role: state.role,
  };
}

backend.onChange((state) => {
  emit('candidate.transition', describe(state));
});

const work = setInterval(() => {
  const state = backend.current();
  if (state.isSelf) emit('candidate.acting', { fencingToken: state.fencingToken.toString() });
}, settings.workIntervalMs);

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
