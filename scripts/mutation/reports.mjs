// Where the per-file mutation reports live (shared by mutate.mjs and score.mjs).
import { join } from 'node:path';

export const reportsFolder = 'reports/mutation/files';

/** src/core/raft/election.ts -> reports/mutation/files/core--raft--election.ts.json */
export function reportPathOf(file) {
  return join(reportsFolder, `${file.replace(/^src\//, '').replaceAll('/', '--')}.json`);
}
