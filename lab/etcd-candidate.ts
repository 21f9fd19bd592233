// A one-member election process for tests: `node --import tsx lab/etcd-candidate.ts '<json>'`.
// The JSON holds memberId, endpoints, electionName and optionally leaseTtlSeconds. Prints one JSON
// line per event on stdout: {"type":"started"} once start() resolves, {"type":"state", ...} for
// each ElectionState change (bigints as strings), {"type":"error"} if start() fails. Logs go to
// stderr. SIGTERM resigns, then leaves and exits 0.
import { pino } from 'pino';
import { z } from 'zod';
import type { ElectionState } from '../src/backends/backend.js';
import { createEtcdBackend } from '../src/backends/etcd/etcd-backend.js';
import { seededRandom } from '../src/core/random.js';
import { systemClock } from '../src/runtime/system-clock.js';

const argumentsSchema = z.object({
  memberId: z.string(),
  endpoints: z.array(z.string()).min(1),
  electionName: z.string(),
  leaseTtlSeconds: z.number().optional(),
});

function print(line: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
  );
}

function printState(state: ElectionState): void {
  print({ type: 'state', at: systemClock.now(), ...state });
}

const parsed = argumentsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const controller = new AbortController();
const backend = createEtcdBackend({
  memberId: parsed.memberId,
  address: '127.0.0.1:1',
  endpoints: parsed.endpoints,
  electionName: parsed.electionName,
  ...(parsed.leaseTtlSeconds === undefined ? {} : { leaseTtlSeconds: parsed.leaseTtlSeconds }),
  retryMaxDelayMs: 500,
  clock: systemClock,
  random: seededRandom(process.pid),
  observe: () => undefined,
  logger: pino({ level: 'info', base: { member: parsed.memberId } }, process.stderr),
});
backend.onChange(printState);

process.once('SIGTERM', () => {
  void backend
    .resign(AbortSignal.timeout(5000))
    .then(() => {
      controller.abort();
      return backend.stopped();
    })
    .then(() => {
      process.exit(0);
    });
});

try {
  await backend.start(controller.signal);
  print({ type: 'started' });
  printState(backend.current());
} catch (error) {
  print({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
