import { readFileSync } from 'node:fs';

function readPackageVersion(): string {
  // Works from src/cli (tsx) and dist/cli (built): package.json is two folders up either way.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
}

export const version = readPackageVersion();
