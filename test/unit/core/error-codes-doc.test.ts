// docs/errors.md and the code lists in src/core/errors.ts must name the same codes, in the
// manner of fastify's errors test: a code added in one place and forgotten in the other fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCodes, httpErrorCodes } from '../../../src/core/errors.js';

const documentation = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Codes in the first column of any table row of docs/errors.md. */
const documentedCodes = new Set(
  [...documentation.matchAll(/^\| `([A-Z][A-Z_]*)` +\|/gm)].map(([, code = '']) => code),
);
const declaredCodes = new Set<string>([...errorCodes, ...httpErrorCodes]);

test('docs/errors.md has a table row for every code in src/core/errors.ts', () => {
  assert.deepEqual(
    [...declaredCodes].filter((code) => !documentedCodes.has(code)),
    [],
    'codes missing from docs/errors.md',
  );
});

test('every code docs/errors.md lists is declared in src/core/errors.ts', () => {
  assert.ok(documentedCodes.size > 0, 'docs/errors.md has tables of codes');
  assert.deepEqual(
    [...documentedCodes].filter((code) => !declaredCodes.has(code)),
    [],
    'codes docs/errors.md lists that no code list declares',
  );
});

test('no code is both an ElectorError code and an HTTP-only code', () => {
  const electorCodes = new Set<string>(errorCodes);
  assert.deepEqual(
    httpErrorCodes.filter((code) => electorCodes.has(code)),
    [],
  );
});
