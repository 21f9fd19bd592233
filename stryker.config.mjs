// StrykerJS over the pure core. scripts/mutation/mutate.mjs runs it one source file at a time
// (ELECTOR_MUTATE_FILE), so each file gets its own committed report under reports/mutation/files
// and a change to one file re-runs only that file's mutants.
const file = process.env.ELECTOR_MUTATE_FILE;
const slug = file === undefined ? 'all' : file.replace(/^src\//, '').replaceAll('/', '--');

// Stryker loads its configuration from the module's default export.
// eslint-disable-next-line no-restricted-syntax
export default {
  packageManager: 'npm',
  testRunner: 'command',
  commandRunner: { command: 'node --import tsx scripts/mutation/core-suite.ts' },
  // The TypeScript checker drops mutants that do not compile; on a shared two-core machine it
  // doubled the time per mutant, so it runs only when asked for (ELECTOR_MUTATE_TYPECHECK=1).
  ...(process.env.ELECTOR_MUTATE_TYPECHECK === '1'
    ? {
        checkers: ['typescript'],
        tsconfigFile: 'tsconfig.json',
        typescriptChecker: { prioritizePerformanceOverAccuracy: true },
      }
    : {}),
  mutate: file === undefined ? ['src/core/**/*.ts'] : [file],
  ignorePatterns: ['dist', 'reports', 'bench/results', '.tools', 'charts', 'manifests'],
  concurrency: Number(process.env.ELECTOR_MUTATE_CONCURRENCY ?? 1),
  timeoutMS: 20000,
  reporters: ['json', 'html', 'clear-text', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/files/${slug}.json` },
  htmlReporter: { fileName: `reports/mutation/html/${slug}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
