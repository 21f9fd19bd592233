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

const undetected = new Set(['Survived', 'NoCoverage']);

/** A mutant's identity across runs of the same source: mutator, replacement and location. */
function identityOf(mutant) {
  const { start, end } = mutant.location;
  return `${mutant.mutatorName} ${JSON.stringify(mutant.replacement ?? '')} ${start.line}:${start.column}-${end.line}:${end.column}`;
}

/**
 * Stryker `--mutate` ranges (file:line:column-line:column) that hold exactly the survivors of a
 * report. Stryker's range columns count from 0, the report's from 1.
 */
export function survivorRanges(report, sourceFile) {
  const file = report.files[sourceFile];
  if (file?.source !== readFileSync(sourceFile, 'utf8')) {
    throw new Error(`${sourceFile} changed since its report: run the whole file`);
  }
  const ranges = file.mutants
    .filter((mutant) => undetected.has(mutant.status))
    .map(({ location: { start, end } }) => {
      return `${sourceFile}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`;
    });
  return [...new Set(ranges)];
}

/**
 * Writes back the committed report (text `committed`) with the results of a run over some of its
 * mutants: each re-tested mutant takes its new status, the others keep theirs. A failed run
 * restores the committed report.
 */
export function mergeRerun(path, committed, sourceFile, isRunComplete) {
  if (!isRunComplete) {
    writeFileSync(path, committed);
    return;
  }
  const rerun = new Map(
    JSON.parse(readFileSync(path, 'utf8')).files[sourceFile].mutants.map((mutant) => [
      identityOf(mutant),
      mutant,
    ]),
  );
  const report = JSON.parse(committed);
  const file = report.files[sourceFile];
  file.mutants = file.mutants.map((mutant) => {
    const fresh = rerun.get(identityOf(mutant));
    return fresh === undefined ? mutant : { ...fresh, id: mutant.id };
  });
  writeFileSync(path, `${JSON.stringify(report)}\n`);
}
