import { parseArgs } from 'node:util';

/** What `npm run bench:scale` measures; see scale.ts for the flags. */
export interface ScaleOptions {
  readonly trials: number;
  readonly backends: readonly ScaleBackend[];
  /** Raft mesh sizes. */
  readonly sizes: readonly number[];
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  /** How many candidates run on etcd and on ZooKeeper. */
  readonly candidates: readonly number[];
}

const scaleBackends = ['raft', 'etcd', 'zookeeper'] as const;
type ScaleBackend = (typeof scaleBackends)[number];

const raftSizes = [3, 5, 7];
const minimumCandidates = 2;
const maximumCandidates = 100;

/**
 * Reads the command line. Resolves to the options, or to one line per bad flag (naming the flag,
 * the value received and the values accepted); nothing is half-applied.
 */
export function parseScaleOptions(
  args: readonly string[],
): { readonly options: ScaleOptions } | { readonly problems: readonly string[] } {
  const flags = {
    trials: { type: 'string', default: '10' },
    backends: { type: 'string', default: scaleBackends.join(',') },
    sizes: { type: 'string', default: raftSizes.join(',') },
    heartbeat: { type: 'string', default: '100' },
    'election-timeout': { type: 'string', default: '500' },
    candidates: { type: 'string', default: '3,20,50' },
  } as const;
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: flags }));
  } catch (error) {
    // Unknown flags and flags without a value: parseArgs names the flag.
    const accepted = Object.keys(flags)
      .map((flag) => `--${flag} <value>`)
      .join(', ');
    const message = error instanceof Error ? error.message : String(error);
    return { problems: [`${message}; accepted: ${accepted}`] };
  }
  const trials = Number(values.trials);
  const sizes = listOf(values.sizes);
  const candidates = listOf(values.candidates);
  const backends = values.backends.split(',');
  const heartbeatMs = Number(values.heartbeat);
  const electionTimeoutMs = Number(values['election-timeout']);
  const got = (text: string): string => JSON.stringify(text);
  const problems = [
    Number.isInteger(trials) && trials >= 1
      ? null
      : `--trials: expected a whole number ≥ 1; got ${got(values.trials)}`,
    backends.every(isScaleBackend)
      ? null
      : `--backends: expected some of ${scaleBackends.join(',')}, comma-separated; got ${got(values.backends)}`,
    sizes.every((size) => raftSizes.includes(size))
      ? null
      : `--sizes: expected some of ${raftSizes.join(',')} (Raft mesh sizes); got ${got(values.sizes)}`,
    heartbeatMs > 0 && electionTimeoutMs >= 3 * heartbeatMs
      ? null
      : `--heartbeat/--election-timeout: expected ms with timeout ≥ 3 × heartbeat; got ${values.heartbeat}/${values['election-timeout']}`,
    candidates.every(
      (count) =>
        Number.isInteger(count) && count >= minimumCandidates && count <= maximumCandidates,
    )
      ? null
      : `--candidates: expected whole numbers from ${minimumCandidates} to ${maximumCandidates}, comma-separated; got ${got(values.candidates)}`,
  ].filter((problem) => problem !== null);
  if (problems.length > 0) return { problems };
  return {
    options: {
      trials,
      backends: backends.filter(isScaleBackend),
      sizes,
      heartbeatMs,
      electionTimeoutMs,
      candidates,
    },
  };
}

/** "3,20,50" as numbers; an empty item becomes NaN, so it is rejected like any other bad one. */
function listOf(text: string): number[] {
  return text.split(',').map((item) => (item.trim() === '' ? Number.NaN : Number(item)));
}

function isScaleBackend(name: string): name is ScaleBackend {
  return (scaleBackends as readonly string[]).includes(name);
}
