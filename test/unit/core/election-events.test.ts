// The reasons a Raft member's state saves fail are series that exist from the first scrape
// (stateSaveFailureReasons) and rows of docs/errors.md's "Storage faults" table: an operator who
// reads a reason on a graph finds what to do about it there, and every documented reason has a
// series at zero to alert on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { stateSaveFailureReasons } from '../../../src/core/election-events.js';

const documentation = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** The reasons in the first column of the table under "## Storage faults". */
function documentedReasons(): readonly string[] {
  const section = documentation.split(/^## Storage faults$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([a-z-]+)` +\|/gm)].map(([, reason = '']) => reason);
}

test('the state-save failure reasons are the ones docs/errors.md explains, in its order', () => {
  assert.deepEqual(documentedReasons(), [...stateSaveFailureReasons]);
});
