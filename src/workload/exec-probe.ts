import { assertNever } from '../core/errors.js';
import { runCommand } from './command-runner.js';
import { healthy, type Probe, type ProbeOutcome } from './probe.js';

/**
 * Healthy when `/bin/sh -c command` exits 0. When the gate's signal aborts (its timeout), the
 * command's process group is killed and the outcome is a 'timeout' failure.
 */
export function createExecProbe(command: string): Probe {
  const description = `exec ${JSON.stringify(command)}`;
  return {
    kind: 'exec',
    description,
    async check(signal: AbortSignal): Promise<ProbeOutcome> {
      const result = await runCommand({ command, signal });
      switch (result.kind) {
        case 'exited':
          return result.exitCode === 0
            ? healthy
            : {
                isHealthy: false,
                reason: 'exit-code',
                detail: `${description}: exit code ${result.exitCode}; ${lastLine(result.output)}`,
              };
        case 'signalled':
          return {
            isHealthy: false,
            reason: 'exit-code',
            detail: `${description}: ended by ${result.signal}`,
          };
        case 'timed-out':
        case 'aborted':
          return { isHealthy: false, reason: 'timeout', detail: `${description}: killed` };
        case 'failed-to-start':
          return { isHealthy: false, reason: 'error', detail: `${description}: ${result.message}` };
        default:
          return assertNever(result);
      }
    },
  };
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return last.length === 0 ? 'no output' : `output: ${last.slice(0, 200)}`;
}
