// A ZooKeeper election candidate in its own process, for tests that kill, pause or resume it.
// Usage: node --import tsx lab/zookeeper-candidate.ts '<json settings>'
// Output, commands and signals: see candidate-runner.ts.
import { z } from 'zod';
import { candidateOutput, runCandidate } from './candidate-runner.js';
import { createZooKeeperBackend } from '../src/backends/zookeeper/zookeeper-backend.js';
import { systemClock } from '../src/runtime/system-clock.js';

const settingsSchema = z.object({
  memberId: z.string(),
  connectString: z.string(),
  electionName: z.string(),
  sessionTimeoutMs: z.int(),
  workIntervalMs: z.int().default(20),
});
const settings = settingsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const output = candidateOutput();
const { logger, emit } = output;
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

runCandidate(backend, output, settings);
