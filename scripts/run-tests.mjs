// Runs node:test over test files found under the given folders (Node 20's --test does not expand globs).
// `--concurrency N` runs up to N test files at once; each file is its own process.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
let concurrency = 1;
const roots = [];
for (let index = 0; index < args.length; index += 1) {
  if (args[index] === '--concurrency') {
    const value = args[index + 1];
    concurrency = Number(value);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      console.error(`--concurrency: expected a positive integer; got ${JSON.stringify(value)}`);
      process.exit(2);
    }
    index += 1;
  } else {
    roots.push(args[index]);
  }
}
if (roots.length === 0) {
  console.error('usage: node scripts/run-tests.mjs [--concurrency N] <folder> [folder ...]');
  process.exit(2);
}
const files = roots
  .flatMap((root) =>
    readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => join(root, name)),
  )
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
