import { readFileSync } from 'node:fs';
import { ElectorError } from '../core/errors.js';

/**
 * Reads a secret or credential from its file (one trailing newline removed), refusing one shorter
 * than `minimumLength`; CONFIG_INVALID naming the flag when it cannot.
 */
export function readSecretFile(path: string, flag: string, minimumLength = 0): string {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (text.length < minimumLength) throw new Error(`shorter than ${minimumLength} characters`);
    return text;
  } catch (error) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `${flag}: cannot use ${JSON.stringify(path)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
