// Prints the figures in bench/results/*.json (or the files given) as Markdown tables, for
// bench/README.md. `--columns a,b.c` picks and orders the columns (a dotted name reads a nested
// field, such as from_start.p50_ms); without it every field is shown.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { columns: { type: 'string' } },
  allowPositionals: true,
});
const directory = fileURLToPath(new URL('./results/', import.meta.url));
const files =
  positionals.length > 0
    ? positionals
    : readdirSync(directory)
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${directory}${name}`);
const hidden = new Set(['bench', 'machine', 'date']);

function field(row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}

for (const file of files) {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  const first = rows[0];
  if (first === undefined) continue;
  const columns =
    values.columns?.split(',') ??
    [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => !hidden.has(column));
  console.log(`### ${String(first.bench)} (${String(first.machine)}, ${String(first.date)})\n`);
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows) {
    const cells = columns.map((column) => {
      const value = field(row, column);
      return value === undefined ? '' : JSON.stringify(value).replace(/^"|"$/g, '');
    });
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log('');
}
