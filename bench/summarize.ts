// Prints the figures in bench/results/*.json (or the files given) as Markdown tables, for bench/README.md.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const directory = fileURLToPath(new URL('./results/', import.meta.url));
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(directory)
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${directory}${name}`);
const hidden = new Set(['bench', 'machine', 'date']);
for (const file of files) {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  const first = rows[0];
  if (first === undefined) continue;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter(
    (column) => !hidden.has(column),
  );
  console.log(`### ${String(first.bench)} (${String(first.machine)}, ${String(first.date)})\n`);
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows)
    console.log(
      `| ${columns.map((column) => (row[column] === undefined ? '' : JSON.stringify(row[column]).replace(/^"|"$/g, ''))).join(' | ')} |`,
    );
  console.log('');
}
