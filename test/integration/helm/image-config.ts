// What the runtime stage of the Dockerfile gives a container: entrypoint, command, environment,
// working directory, user, exposed ports and labels, read from the Dockerfile itself so the tests
// start the sidecar exactly the way the image would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../../../lab/helm.js';

export const dockerfilePath = join(repositoryRoot, 'Dockerfile');

/** One instruction: keyword (upper case), its arguments as written, and its line number. */
interface Instruction {
  readonly keyword: string;
  readonly text: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

/** The stages of a Dockerfile, with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let pendingLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') pendingLine = index + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const whole = `${pending}${line}`.trim();
    pending = '';
    const keyword = whole.split(/\s+/)[0] ?? '';
    instructions.push({
      keyword: keyword.toUpperCase(),
      text: whole.slice(keyword.length).trim(),
      line: pendingLine,
    });
  });
  const stages: { from: string; name: string | null; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.text.split(/\s+/);
      stages.push({
        from: image,
        name: as?.toUpperCase() === 'AS' && name !== undefined ? name : null,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The exec form ["a", "b"] of ENTRYPOINT/CMD as an array; throws on the shell form. */
function execForm(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(
      `Dockerfile line ${instruction.line}: ${instruction.keyword} must use the exec form`,
    );
  }
  return parsed;
}

/** KEY=value pairs of ENV and LABEL (double-quoted values may hold spaces). */
function pairs(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(/([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const [, key = '', value = ''] = match;
    result.set(key, value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return result;
}

export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: ReadonlyMap<string, string>;
  readonly workdir: string;
  readonly user: string;
  readonly exposedPorts: readonly number[];
  readonly labels: ReadonlyMap<string, string>;
}

/** The configuration of the final stage (the image that ships). */
function imageConfigOf(stage: Stage): ImageConfig {
  const last = (keyword: string): Instruction | undefined =>
    stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
  const all = (keyword: string): Instruction[] =>
    stage.instructions.filter((instruction) => instruction.keyword === keyword);
  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const env = new Map(all('ENV').flatMap((instruction) => [...pairs(instruction.text)]));
  const labels = new Map(all('LABEL').flatMap((instruction) => [...pairs(instruction.text)]));
  return {
    entrypoint: entrypoint === undefined ? [] : execForm(entrypoint),
    cmd: cmd === undefined ? [] : execForm(cmd),
    env,
    workdir: last('WORKDIR')?.text ?? '/',
    user: last('USER')?.text ?? 'root',
    exposedPorts: all('EXPOSE').flatMap((instruction) =>
      instruction.text.split(/\s+/).map((port) => Number(port.replace(/\/tcp$/, ''))),
    ),
    labels,
  };
}

/** Reads the repository's Dockerfile and returns its stages. */
export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
}

/** The shipped image's configuration (the last stage of the repository's Dockerfile). */
export function shippedImageConfig(): ImageConfig {
  const stage = readDockerfile().at(-1);
  if (stage === undefined) throw new Error('Dockerfile has no FROM');
  return imageConfigOf(stage);
}

/**
 * The process a container of this image runs, as Kubernetes decides it: `command` replaces the
 * ENTRYPOINT, `args` replaces the CMD. "node" is this test's own Node 20 binary, and the working
 * directory stands for the image's WORKDIR (the repository root holds dist/ and node_modules/).
 */
export function containerProcess(
  image: ImageConfig,
  container: {
    readonly command?: readonly string[] | undefined;
    readonly args?: readonly string[] | undefined;
  },
): { readonly file: string; readonly args: readonly string[] } {
  const argv = [...(container.command ?? image.entrypoint), ...(container.args ?? image.cmd)];
  const [file, ...args] = argv;
  if (file !== 'node')
    throw new Error(`expected the container to run node; it runs ${argv.join(' ')}`);
  return { file: process.execPath, args };
}
