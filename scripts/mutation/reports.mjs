// Where the per-file mutation reports live (shared by mutate.mjs and score.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const reportsFolder = 'reports/mutation/files';

/** src/core/raft/election.ts -> reports/mutation/files/core--raft--election.ts.json */
export function reportPathOf(file) {
  return join(reportsFolder, `${file.replace(/^src\//, '').replaceAll('/', '--')}.json`);
}

/**
 * Stryker keeps each mutant's whole test output as its statusReason (tens of kilobytes per
 * mutant with the command runner); the committed report keeps its last lines only. A file with
 * nothing to mutate (types only) gets an entry with no mutants, so the report still records the
 * source it was made from and `--changed` knows it is current.
 */
export function trimReport(path, sourceFile) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  report.files[sourceFile] ??= {
    language: 'typescript',
    source: readFileSync(sourceFile, 'utf8'),
    mutants: [],
  };
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (typeof mutant.statusReason === 'string' && mutant.statusReason.length > 400) {
        mutant.statusReason = `…${mutant.statusReason.slice(-400)}`;
      }
    }
  }
  writeFileSync(path, `${JSON.stringify(report)}\n`);
}
