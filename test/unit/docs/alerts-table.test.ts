// The README's alert table names exactly the alerts the shipped rules file defines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

function read(path: string): string {
  return readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
}

test('the README lists every shipped alert in its alert table, and no other', () => {
  const rules = [...read('charts/elector/files/elector.rules.yaml').matchAll(/- alert: (\w+)/g)];
  const shipped = rules.map((match) => match[1]).sort();
  const readme = read('README.md');
  const start = readme.indexOf('| Alert ');
  assert.ok(start >= 0, 'the README has a table headed "Alert"');
  const table = readme.slice(start, readme.indexOf('\n\n', start));
  const listed = [...table.matchAll(/^\| (Elector\w+) +\|/gm)].map((match) => match[1]).sort();
  assert.ok(shipped.length > 0, 'the rules file defines alerts');
  assert.deepEqual(listed, shipped);
});
