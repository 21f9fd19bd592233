// A Lease-backend election candidate in its own process, for tests that kill it or make it resign.
// Usage: node --import tsx lab/lease-candidate.ts '<json settings>'
// Output, commands and signals: see candidate-runner.ts.
import { z } from 'zod';
import { candidateOutput, runCandidate } from './candidate-runner.js';
import { createLeaseBackend } from '../src/backends/kubernetes/lease-backend.js';
import { createKubernetesApi } from '../src/kubernetes/api-client.js';
import { systemClock } from '../src/runtime/system-clock.js';

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
const output = candidateOutput();
const { logger } = output;
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

runCandidate(backend, output, settings);
