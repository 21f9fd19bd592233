import { randomInt } from 'node:crypto';
import type { Random } from '../core/random.js';

const scale = 2 ** 32;

/** Uniform numbers in [0, 1) from the operating system's generator: election jitter must differ per process. */
export const systemRandom: Random = () => randomInt(scale) / scale;
