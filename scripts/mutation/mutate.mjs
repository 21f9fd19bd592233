// Mutation testing of src/core with StrykerJS, one source file per Stryker run.
//   node scripts/mutation/mutate.mjs                 every file of src/core
//   node scripts/mutation/mutate.mjs --changed       only files whose source differs from their committed report
//   node scripts/mutation/mutate.mjs src/core/raft/election.ts ...
//   node scripts/mutation/mutate.mjs --survivors FILE...  only the mutants FILE's committed report
//       lists as surviving, merged back into it: confirms new tests kill them in minutes instead
//       of re-testing every mutant. Only for a source file unchanged since its report, with tests
//       only added since (a mutant killed then is still killed). With the new tests all unit
//       tests, ELECTOR_MUTATION_SIM_SEEDS=0 ELECTOR_MUTATION_DIRECTED_SEEDS=0 halves the time and
//       gives the same statuses: these mutants already survived the simulator runs.
// Each run writes reports/mutation/files/<file>.json (committed) and an HTML report beside it
// under reports/mutation/html (not committed); scripts/mutation/score.mjs prints the table.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeRerun, reportPathOf, survivorRanges, trimReport } from './reports.mjs';

const args = process.argv.slice(2);
const isChangedOnly = args.includes('--changed');
const isSurvivorsOnly = args.includes('--survivors');
const named = args.filter((arg) => !arg.startsWith('--'));

/** Source files that hold code Stryker can mutate (type-only files still get a run; it is quick). */
function coreFiles() {
  return readdirSync('src/core', { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('src/core', name))
    .sort();
}

/** Whether the committed report was made from the file as it is now. */
function isReportCurrent(file) {
  const report = reportPathOf(file);
  if (!existsSync(report)) return false;
  const { files } = JSON.parse(readFileSync(report, 'utf8'));
  return files?.[file]?.source === readFileSync(file, 'utf8');
}

const files = named.length > 0 ? named : coreFiles();
const toRun = isChangedOnly ? files.filter((file) => !isReportCurrent(file)) : files;
if (toRun.length === 0) {
  console.log(`mutation reports are current for the ${files.length} file(s) asked for`);
  process.exit(0);
}
let failed = 0;
for (const [index, file] of toRun.entries()) {
  const started = Date.now();
  const committed = isSurvivorsOnly ? readFileSync(reportPathOf(file), 'utf8') : null;
  const ranges = committed === null ? [] : survivorRanges(JSON.parse(committed), file);
  if (committed !== null && ranges.length === 0) {
    console.log(`[${index + 1}/${toRun.length}] ${file}: no survivors to re-test`);
    continue;
  }
  console.log(`[${index + 1}/${toRun.length}] stryker over ${file}`);
  const mutate = ranges.length > 0 ? ['--mutate', ranges.join(',')] : [];
  const result = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', ...mutate], {
    stdio: 'inherit',
    env: { ...process.env, ELECTOR_MUTATE_FILE: file },
  });
  console.log(`${file}: ${((Date.now() - started) / 1000).toFixed(0)} s, exit ${result.status}`);
  if (result.status !== 0) failed += 1;
  else trimReport(reportPathOf(file), file);
  if (committed !== null) mergeRerun(reportPathOf(file), committed, file, result.status === 0);
}
process.exit(failed === 0 ? 0 : 1);
