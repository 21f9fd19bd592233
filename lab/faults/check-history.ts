// Checks a saved leadership history again: node --import tsx lab/faults/check-history.ts <file>
// Prints the one-line verdict, every violation and the fault marks; exits 1 if the check fails.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkHistory } from './checker.js';
import type { History } from './history.js';

const runSchema = z.object({
  member: z.string(),
  state: z.enum(['acting', 'not-acting', 'unreachable']),
  fencingToken: z.number().nullable(),
  firstSentAt: z.number(),
  firstReceivedAt: z.number(),
  lastSentAt: z.number(),
  lastReceivedAt: z.number(),
  count: z.number(),
});
const historySchema = z.object({
  version: z.literal(1),
  seed: z.number().nullable(),
  backend: z.string().default('raft'),
  members: z.array(z.string()),
  heartbeatMs: z.number(),
  electionTimeoutMs: z.number(),
  startedAt: z.string(),
  endedAt: z.number(),
  runs: z.array(runSchema),
  views: z.array(
    z.object({
      member: z.string(),
      receivedAt: z.number(),
      leader: z.string().nullable(),
      fencingToken: z.number().nullable(),
      term: z.number(),
      isSelf: z.boolean(),
    }),
  ),
  marks: z.array(
    z.object({ at: z.number(), kind: z.enum(['fault', 'heal', 'note']), label: z.string() }),
  ),
});

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node --import tsx lab/faults/check-history.ts <history.json>');
  process.exit(2);
}
const parsed = historySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
if (!parsed.success) {
  const first = parsed.error.issues[0];
  console.error(
    `${file}: not a leadership history: ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`,
  );
  process.exit(2);
}
const history: History = parsed.data;
const verdict = checkHistory(history);
console.log(verdict.line);
for (const violation of verdict.violations) console.log(`  ${violation}`);
for (const mark of history.marks) {
  console.log(`  ${mark.at.toFixed(1)} ms ${mark.kind}: ${mark.label}`);
}
process.exit(verdict.ok ? 0 : 1);
