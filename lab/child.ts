import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child process whose output is kept, for failure messages and for waiting on lines. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves once the process has exited and its stdout and stderr have closed (all output read). */
  readonly closed: Promise<void>;
  /** SIGKILLs this process (by its PID only) and waits for it to exit. Safe to call twice. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export function startChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => {
      resolve();
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  return {
    process: child,
    pid,
    output: () => output,
    exited,
    closed,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!hasExited) {
        try {
          process.kill(pid, signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      return exited;
    },
  };
}
