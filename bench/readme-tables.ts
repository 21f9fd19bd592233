// The tables of bench/README.md, generated from the committed results files. Each table sits
// between two markers; the opening one names its file, the command that writes that file, the
// columns (dotted paths read nested fields, such as from_start.p50_ms) and optionally which rows:
//
//   <!-- table: results/failover-raft.json command="npm run bench:failover" columns=mode,p50_ms where=mode:crash|graceful -->
//   (generated)
//   <!-- /table -->
//
// Everything between the markers is rewritten; everything outside them is prose kept by hand.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One table marker's settings. */
export interface TableSpec {
  /** The results file, relative to bench/. */
  readonly file: string;
  /** The command that writes the file, as a reader would type it. */
  readonly command: string;
  readonly columns: readonly string[];
  /** Keep only rows whose field (a dotted path) has one of these values. */
  readonly where: readonly { readonly field: string; readonly values: readonly string[] }[];
}

const markerPattern = /<!-- table: (.*?) -->\n[\s\S]*?<!-- \/table -->/g;

/** Reads a marker's `key=value` and `key="a value"` settings; throws naming what is missing. */
export function parseTableSpec(text: string): TableSpec {
  const [file = '', rest = ''] = text.trim().split(/\s+(.*)/s, 2);
  const settings = new Map<string, string>();
  for (const [, key = '', quoted, plain] of rest.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g))
    settings.set(key, quoted ?? plain ?? '');
  const command = settings.get('command');
  const columns = settings.get('columns');
  if (!file.endsWith('.json') || command === undefined || columns === undefined) {
    throw new Error(
      `table marker "${text}": expected "<file>.json command=\\"...\\" columns=a,b [where=field:x|y]"`,
    );
  }
  const where = (settings.get('where') ?? '')
    .split(',')
    .filter((condition) => condition !== '')
    .map((condition) => {
      const [field = '', values = ''] = condition.split(/:(.*)/s, 2);
      return { field, values: values.split('|') };
    });
  return { file, command, columns: columns.split(','), where };
}

function field(row: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}

function cellText(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '-';
  return (typeof value === 'string' ? value : JSON.stringify(value)).replaceAll('|', '\\|');
}

/** Characters as prettier counts a cell's width (code points; the figures hold no wide ones). */
function widthOf(text: string): number {
  return Array.from(text).length;
}

/** A Markdown table laid out the way prettier lays it out, so `prettier --check` leaves it. */
function markdownTable(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(3, ...rows.map((row) => widthOf(row[column] ?? '')))) ??
    [];
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - widthOf(cell))).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join(
    '\n',
  );
}

/** The generated text of one table: where its figures come from, then the table. */
export function renderTable(spec: TableSpec, benchDirectory: string): string {
  const path = join(benchDirectory, spec.file);
  const source = `\`${spec.command}\` → \`${spec.file}\``;
  if (!existsSync(path)) return `${source}: no results committed yet.`;
  const rows = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[]).filter((row) =>
    spec.where.every(({ field: name, values }) => values.includes(cellText(field(row, name)))),
  );
  const runs = [...new Set(rows.map((row) => `${cellText(row.machine)}, ${cellText(row.date)}`))];
  return [
    `${source} (${runs.join('; ')}):`,
    '',
    markdownTable([
      spec.columns,
      ...rows.map((row) => spec.columns.map((column) => cellText(field(row, column)))),
    ]),
  ].join('\n');
}

/** `readme` with every table between markers regenerated from the results under `benchDirectory`. */
export function rewriteReadme(readme: string, benchDirectory: string): string {
  return readme.replace(markerPattern, (_block, settings: string) => {
    const spec = parseTableSpec(settings);
    return `<!-- table: ${settings} -->\n\n${renderTable(spec, benchDirectory)}\n\n<!-- /table -->`;
  });
}

/** How many tables `readme` has, and how many of them lie outside markers (typed by hand). */
export function countTables(readme: string): { marked: number; unmarked: number } {
  const marked = [...readme.matchAll(markerPattern)];
  const outside = readme.replace(markerPattern, '');
  const unmarked = [...outside.matchAll(/^\|.*\|\n\|[ :|-]+\|$/gm)].length;
  return { marked: marked.length, unmarked };
}
