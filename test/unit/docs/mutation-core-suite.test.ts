import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('the mutation suite runs every unit test of src/core (a test left out lets its mutants survive)', () => {
  const suite = readFileSync('scripts/mutation/core-suite.ts', 'utf8');
  const unitTests = readdirSync('test/unit/core', { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join('test/unit/core', name).replace(/\.ts$/, '.js'));
  assert.ok(unitTests.length > 10, `found ${unitTests.length} unit tests of the core`);
  const missing = unitTests.filter((file) => !suite.includes(`'../../${file}'`));
  assert.deepEqual(missing, [], 'not imported by scripts/mutation/core-suite.ts');
});
