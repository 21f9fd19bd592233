import { readFileSync } from 'node:fs';
import { waitFor } from './wait-for.js';

/**
 * Sends SIGSTOP and waits until the kernel reports the process stopped ("T" in /proc/<pid>/stat).
 * Resolves to Date.now() read after that: nothing the process does can carry a later timestamp.
 * kill() alone only queues the signal; a process running on another core may still take a step.
 */
export async function stopProcess(pid: number): Promise<number> {
  process.kill(pid, 'SIGSTOP');
  await waitFor(() => processState(pid) === 'T', {
    timeoutMs: 5000,
    what: `process ${pid} to be stopped`,
    intervalMs: 1,
  });
  return Date.now();
}

function processState(pid: number): string | undefined {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The state follows the command name, which is in parentheses and may itself contain spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}
