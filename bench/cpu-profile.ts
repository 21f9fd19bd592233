// Where a process's CPU goes, by kind of work: `perf record` samples one process's call stacks
// for a window, and each sample is put in one category by the innermost frame that says what the
// work was for. JavaScript frames have names only when the process runs with --perf-basic-prof.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

export const profileCategories = [
  'runtime',
  'json',
  'authentication',
  'validation',
  'raft_step',
  'elector_other',
  'jit',
  'gc',
  'other',
] as const;
export type ProfileCategory = (typeof profileCategories)[number];

/**
 * Tried from the innermost frame outwards; the first frame that matches a rule decides. Frames
 * no rule matches (kernel, libc, V8 builtins) are passed over, so a system call counts for the
 * code that made it: a socket write for Node's stream code, a page fault in zod for validation.
 */
const rules: readonly (readonly [ProfileCategory, RegExp])[] = [
  ['gc', /Heap::|Scavenge|MarkCompact|ConcurrentMarking|Sweeper|GCTracer|MinorMark/],
  [
    'jit',
    /OptimizingCompileDispatcher|PipelineImpl|compiler::|Compiler::|CompileLazy|Maglev|BaselineBatchCompiler/,
  ],
  ['validation', /node_modules\/zod\//],
  ['authentication', /frame-auth\.js|node:internal\/crypto|Hmac/],
  ['json', /JsonParser|JsonStringifier|Builtin_Json|Utf8Decoder|TextDecoder/],
  ['raft_step', /dist\/core\//],
  ['elector_other', /dist\//],
  [
    'runtime',
    /^node::|uv__|uv_|epoll_pwait|node:net|node:internal\/streams|node:internal\/stream_base|node:internal\/timers|node:internal\/process|node:events|node:buffer|idle-floor-member/,
  ],
];

/** The category of one sample, from its frames listed innermost first. */
export function categoryOf(frames: readonly string[]): ProfileCategory {
  for (const frame of frames) {
    for (const [category, pattern] of rules) if (pattern.test(frame)) return category;
  }
  return 'other';
}

/**
 * The samples of `perf script` output: one list of frame symbols per sample, innermost first.
 * A sample is a header line (command, thread, time, event) and then one indented line per frame,
 * "<address> <symbol> (<object>)"; a blank line ends it.
 */
export function samplesOf(perfScript: string): string[][] {
  const samples: string[][] = [];
  let current: string[] | null = null;
  for (const line of perfScript.split('\n')) {
    if (line.trim() === '') {
      if (current !== null) samples.push(current);
      current = null;
    } else if (/^\s/.test(line)) {
      current?.push(line.trim().replace(/^[0-9a-f]+ /, ''));
    } else {
      current = [];
    }
  }
  if (current !== null) samples.push(current);
  return samples;
}

export interface CpuProfile {
  readonly samples: number;
  /** Samples per category, in the order of profileCategories. */
  readonly counts: Readonly<Record<ProfileCategory, number>>;
}

export function profileOf(perfScript: string): CpuProfile {
  const counts = Object.fromEntries(profileCategories.map((category) => [category, 0])) as Record<
    ProfileCategory,
    number
  >;
  const samples = samplesOf(perfScript);
  for (const frames of samples) counts[categoryOf(frames)] += 1;
  return { samples: samples.length, counts };
}

const run = promisify(execFile);
/** `perf script` prints some 100 bytes per frame, tens of frames per sample. */
const maxOutputBytes = 512 * 1024 * 1024;

/** Whether `perf` can be run here. */
export async function hasPerf(): Promise<boolean> {
  return run('perf', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * Samples process `pid` (all its threads) at `frequencyHz` for `seconds`, with call graphs, and
 * sorts the samples. Bounded: perf stops after `seconds` on its own.
 */
export async function recordProfile(
  pid: number,
  seconds: number,
  frequencyHz: number,
): Promise<CpuProfile> {
  const data = join(tmpdir(), `elector-bench-perf-${pid}-${process.pid}.data`);
  try {
    const args = ['record', '-F', String(frequencyHz), '-g', '-o', data, '-p', String(pid)];
    await run('perf', [...args, '--', 'sleep', String(seconds)]);
    const { stdout } = await run('perf', ['script', '-i', data], { maxBuffer: maxOutputBytes });
    return profileOf(stdout);
  } finally {
    rmSync(data, { force: true });
  }
}
