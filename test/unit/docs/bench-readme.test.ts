// bench/README.md shows only figures that come from committed results files: every table sits
// between markers and equals what `bench/summarize.ts --readme` would write from its file, so a
// hand edit of a figure fails here. The generator itself is checked on a results file of its own.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { countTables, parseTableSpec, rewriteReadme } from '../../../bench/readme-tables.js';

const benchDirectory = fileURLToPath(new URL('../../../bench/', import.meta.url));
const readmeFile = join(benchDirectory, 'README.md');

/** `text` as prettier would write it to `file`. */
async function prettierOf(text: string, file: string): Promise<string> {
  return format(text, { ...(await resolveConfig(file)), filepath: file });
}

describe('bench/README.md', () => {
  const readme = readFileSync(readmeFile, 'utf8');

  test('every table equals what summarize --readme writes from the committed results', () => {
    assert.equal(
      rewriteReadme(readme, benchDirectory),
      readme,
      'bench/README.md differs from its results files; run: node --import tsx bench/summarize.ts --readme',
    );
  });

  test('has no table outside the markers', () => {
    const { marked, unmarked } = countTables(readme);
    assert.ok(marked >= 10, `only ${marked} marked tables`);
    assert.equal(unmarked, 0, 'a table typed by hand; give it a marker and a results file');
  });

  test('every committed results file but the suite collection is shown by a table', () => {
    const shown = new Set([...readme.matchAll(/<!-- table: (\S+)/g)].map(([, file = '']) => file));
    const committed = readdirSync(join(benchDirectory, 'results'))
      .filter((name) => name.endsWith('.json') && name !== 'suite.json')
      .map((name) => `results/${name}`);
    assert.deepEqual(
      committed.filter((file) => !shown.has(file)),
      [],
    );
  });
});

describe('summarize --readme', () => {
  const directory = mkdtempSync(join(tmpdir(), 'elector-bench-readme-'));
  after(() => {
    rmSync(directory, { recursive: true, force: true });
  });
  mkdirSync(join(directory, 'results'));
  writeFileSync(
    join(directory, 'results', 'failover-raft.json'),
    JSON.stringify([
      {
        bench: 'failover',
        backend: 'raft',
        mode: 'crash',
        p50_ms: 612.4,
        nested: { p99_ms: 930 },
        machine: '2 cores',
        date: '2026-12-05',
      },
      {
        bench: 'failover',
        backend: 'reference:etcd-raft',
        mode: 'crash',
        p50_ms: null,
        nested: { p99_ms: 1 },
        machine: '2 cores',
        date: '2026-12-05',
      },
      {
        bench: 'failover',
        backend: 'raft',
        mode: 'priority',
        p50_ms: 1030.5,
        nested: {},
        machine: '2 cores',
        date: '2026-12-06',
      },
    ]),
  );
  const marker = (settings: string): string =>
    `Prose.\n\n<!-- table: ${settings} -->\nstale figures typed by hand\n<!-- /table -->\n\nMore prose.\n`;

  test('writes the chosen columns and rows, naming the command, file, machine and dates', () => {
    const text = rewriteReadme(
      marker(
        'results/failover-raft.json command="npm run bench:failover" columns=backend,mode,p50_ms,nested.p99_ms where=backend:raft|reference:etcd-raft,mode:crash',
      ),
      directory,
    );
    assert.equal(
      text,
      [
        'Prose.',
        '',
        '<!-- table: results/failover-raft.json command="npm run bench:failover" columns=backend,mode,p50_ms,nested.p99_ms where=backend:raft|reference:etcd-raft,mode:crash -->',
        '',
        '`npm run bench:failover` → `results/failover-raft.json` (2 cores, 2026-12-05):',
        '',
        '| backend             | mode  | p50_ms | nested.p99_ms |',
        '| ------------------- | ----- | ------ | ------------- |',
        '| raft                | crash | 612.4  | 930           |',
        '| reference:etcd-raft | crash | -      | 1             |',
        '',
        '<!-- /table -->',
        '',
        'More prose.',
        '',
      ].join('\n'),
    );
  });

  test('lays tables out as prettier does, and is stable when run again', async () => {
    const text = rewriteReadme(
      marker(
        'results/failover-raft.json command="npm run bench:failover" columns=mode,p50_ms,nested.p99_ms',
      ),
      directory,
    );
    assert.equal(await prettierOf(text, readmeFile), text);
    assert.equal(rewriteReadme(text, directory), text);
    assert.match(text, /\(2 cores, 2026-12-05; 2 cores, 2026-12-06\):/);
  });

  test('says so when the results file is not committed yet', () => {
    const text = rewriteReadme(
      marker('results/idle.json command="npm run bench:idle" columns=cpu_percent'),
      directory,
    );
    assert.match(
      text,
      /\n`npm run bench:idle` → `results\/idle\.json`: no results committed yet\.\n/,
    );
    assert.doesNotMatch(text, /stale figures/);
  });

  test('a marker without its file, command or columns is refused by what it lacks', () => {
    assert.throws(
      () => parseTableSpec('results/x.json columns=a'),
      /expected "<file>\.json command=/,
    );
    assert.throws(() => parseTableSpec('results/x.json command="x"'), /columns=a,b/);
  });
});
