import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// docs/architecture.md is the map a newcomer reads first: it must match the tree.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const text = readFileSync(`${root}docs/architecture.md`, 'utf8');
const map = /```\nsrc\/\n([\s\S]*?)```/.exec(text)?.[1] ?? '';

function sourceFolders(): string[] {
  return readdirSync(`${root}src`, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${entry.parentPath}/${entry.name}`.slice(`${root}src/`.length));
}

test('the layer map names every folder under src/', () => {
  assert.notEqual(map, '', 'docs/architecture.md has a src/ tree block');
  const named = new Set([...map.matchAll(/(?:^|\s)([a-z-]+)\//gm)].map((match) => match[1]));
  const missing = sourceFolders().filter((folder) => !named.has(folder.split('/').pop()));
  assert.deepEqual(missing, [], 'folders the map leaves out');
});

test('every file the layer map names exists under src/', () => {
  const files = new Set(
    readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' }).map((path) =>
      path.split('/').pop(),
    ),
  );
  const named = [...map.matchAll(/([a-z-]+\.ts)/g)].map((match) => match[1] ?? '');
  assert.ok(named.length > 5, 'the map names files');
  assert.deepEqual(
    named.filter((name) => !files.has(name)),
    [],
    'files the map names that do not exist',
  );
});
