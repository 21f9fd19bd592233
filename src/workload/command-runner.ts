// Runs one shell command for an exec probe or an exec hook, and makes sure it ends: at the
// timeout, or when the caller's signal aborts, the whole process group is killed.
import { spawn } from 'node:child_process';
import { messageOf } from './error-message.js';

export interface CommandOptions {
  /** Run by `/bin/sh -c`, so pipes, `&&` and variables work as in a Kubernetes `sh -c` probe. */
  readonly command: string;
  /**
   * Added to the sidecar's own environment, which is inherited except for its ELECTOR_*
   * variables: those configure the sidecar and may hold secrets (ELECTOR_CLUSTER_SECRET).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Killed (SIGKILL to its process group) this long after it started; absent: no timeout. */
  readonly timeoutMs?: number;
  /** Aborting kills the command the same way. */
  readonly signal: AbortSignal;
}

export type CommandResult =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly output: string }
  /** Ended by a signal nobody here sent (e.g. the OOM killer). */
  | { readonly kind: 'signalled'; readonly signal: string; readonly output: string }
  | { readonly kind: 'timed-out'; readonly output: string }
  | { readonly kind: 'aborted'; readonly output: string }
  | { readonly kind: 'failed-to-start'; readonly message: string };

/** Kept for log lines: the last few kilobytes of stdout and stderr together. */
const outputLimit = 4096;

/**
 * Starts `command` in its own process group (detached), so that a shell and everything it
 * started can be killed together by the group of the PID we spawned. Resolves once the shell
 * has exited, with how it ended; never rejects. Output is read but not interpreted.
 */
export function runCommand(options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    if (options.signal.aborted) {
      resolve({ kind: 'aborted', output: '' });
      return;
    }
    const child = spawn('/bin/sh', ['-c', options.command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...inheritedEnvironment(), ...options.env },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-outputLimit);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    let killedFor: 'timed-out' | 'aborted' | null = null;
    const killGroup = (reason: 'timed-out' | 'aborted'): void => {
      if (killedFor !== null || child.pid === undefined) return;
      killedFor = reason;
      try {
        // A negative PID addresses the process group led by the shell we spawned, and only it.
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // ESRCH: the group is already gone, which is what we wanted.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
          output = `${output}\n(could not kill process group ${child.pid}: ${messageOf(error)})`;
        }
      }
    };
    const onAbort = (): void => {
      killGroup('aborted');
    };
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            killGroup('timed-out');
          }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort, { once: true });

    const finish = (result: CommandResult): void => {
      if (timer !== null) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      // A grandchild that escaped the group may still hold the pipes; do not wait for it.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(result);
    };
    child.once('error', (error) => {
      finish({ kind: 'failed-to-start', message: messageOf(error) });
    });
    child.once('exit', (exitCode, signalName) => {
      if (killedFor !== null) finish({ kind: killedFor, output });
      else if (exitCode !== null) finish({ kind: 'exited', exitCode, output });
      else finish({ kind: 'signalled', signal: signalName ?? 'unknown', output });
    });
  });
}

/** The sidecar's environment without its own ELECTOR_* settings. */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ELECTOR_')),
  );
}
