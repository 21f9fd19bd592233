// Facts the chart tests check rendered objects against: the sidecar's own list of variables.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliPath } from './cluster.js';

/** The ELECTOR_* variables that `elector run --help` lists (the built CLI's option table). */
export async function electorVariables(): Promise<ReadonlySet<string>> {
  const { stdout } = await promisify(execFile)(process.execPath, [cliPath, 'run', '--help']);
  const names = [...stdout.matchAll(/\[(ELECTOR_[A-Z_]+)\]/g)].map((match) => match[1] ?? '');
  if (names.length < 40) throw new Error(`expected the full option list in --help:\n${stdout}`);
  return new Set(names);
}

/** A label selector as kubectl -l takes it: "a=b,c=d". */
export function selectorText(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** Runs `fn`; when it throws, the error message gains `logs()` (process output). */
export async function withLogs<T>(logs: () => string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logs()}`, { cause: error });
  }
}
