import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { optionsMarkdown } from '../../../src/config/options-table.js';

/** Prettier realigns Markdown tables; compare content, not padding. */
function normalized(markdown: string): string {
  return markdown
    .replace(/-{3,}/g, '---')
    .replace(/[ \t]*\|[ \t]*/g, '|')
    .replace(/\s+/g, ' ')
    .trim();
}

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README configuration reference matches the option table (regenerate: node --import tsx scripts/options-table.ts)', () => {
  const start = readme.indexOf('<!-- options:start -->');
  const end = readme.indexOf('<!-- options:end -->');
  assert.ok(start >= 0 && end > start, 'README.md lacks the options markers');
  assert.equal(
    normalized(readme.slice(start + '<!-- options:start -->'.length, end)),
    normalized(optionsMarkdown()),
  );
});
