import { randomBytes, randomInt } from 'node:crypto';
import type { Random } from '../core/random.js';

const scale = 2 ** 32;

/** Uniform numbers in [0, 1) from the operating system's generator: election jitter must differ per process. */
export const systemRandom: Random = () => randomInt(scale) / scale;

/** A new secret: `bytes` random bytes from the operating system's generator, base64url text. */
export function randomSecretText(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
