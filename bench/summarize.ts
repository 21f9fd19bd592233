// node --import tsx bench/summarize.ts --readme
//   Rewrites every table of bench/README.md between its markers from the committed results files
//   (see readme-tables.ts); test/unit/docs/bench-readme.test.ts fails when a table differs.
// node --import tsx bench/summarize.ts [--columns a,b.c] [files...]
//   Prints the figures in bench/results/*.json (or the files given) as Markdown tables, to try
//   out columns for a marker. A dotted name reads a nested field, such as from_start.p50_ms;
//   without --columns every field is shown.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderTable, rewriteReadme } from './readme-tables.js';

const { values, positionals } = parseArgs({
  options: { columns: { type: 'string' }, readme: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const benchDirectory = fileURLToPath(new URL('./', import.meta.url));

if (values.readme) {
  const readmeFile = `${benchDirectory}README.md`;
  const before = readFileSync(readmeFile, 'utf8');
  const after = rewriteReadme(before, benchDirectory);
  writeFileSync(readmeFile, after);
  console.log(after === before ? 'bench/README.md: up to date' : 'bench/README.md: rewritten');
} else {
  const files =
    positionals.length > 0
      ? positionals
      : readdirSync(`${benchDirectory}results/`)
          .filter((name) => name.endsWith('.json'))
          .map((name) => `${benchDirectory}results/${name}`);
  const hidden = new Set(['bench', 'machine', 'date']);
  for (const file of files) {
    const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    const columns =
      values.columns?.split(',') ??
      [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => !hidden.has(column));
    const bench = rows[0]?.bench;
    const command = `npm run bench:${typeof bench === 'string' ? bench : '?'}`;
    console.log(`${renderTable({ file: resolve(file), command, columns, where: [] }, '/')}\n`);
  }
}
