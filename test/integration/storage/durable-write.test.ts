// The state file's in-place write must be durable when it resolves: every vote and term rests
// on it. strace shows what the real filesystem calls do: the file is opened with O_DSYNC (or
// O_SYNC), or fdatasync/fsync runs on it after the write and before the call returns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const repository = join(import.meta.dirname, '..', '..', '..');
const fileSystemModule = join(repository, 'src/backends/raft/storage/state-file-system.ts');

test('an in-place state write is durable before it resolves (strace of the real calls)', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'elector-durable-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const path = join(directory, 'state');
  const traceFile = join(directory, 'trace');
  await writeFile(path, Buffer.alloc(8192));
  const script = [
    `const { nodeStateFileSystem } = await import(${JSON.stringify(fileSystemModule)});`,
    `process.stdout.write('begin\\n');`,
    `await nodeStateFileSystem.overwriteAndSync(${JSON.stringify(path)}, 4096, Buffer.from('elector-durable'));`,
    `process.stdout.write('end\\n');`,
  ].join('\n');
  execFileSync(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=openat,pwrite64,write,fdatasync,fsync,close',
      '-o',
      traceFile,
    ].concat([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]),
    { cwd: repository, stdio: 'ignore' },
  );
  const lines = completedCalls((await readFile(traceFile, 'utf8')).split('\n'));
  // Only what happened between the script's two markers counts.
  const begin = lines.findIndex((line) => line.includes('write(1, "begin'));
  const end = lines.findIndex((line) => line.includes('write(1, "end'));
  assert.ok(begin >= 0 && end > begin, `markers in the trace:\n${lines.join('\n')}`);
  const calls = lines.slice(begin, end);
  const opened = calls.find((line) => line.includes('openat(') && line.includes(path));
  assert.ok(opened !== undefined, `the state file is opened:\n${calls.join('\n')}`);
  const fd = /= (\d+)$/.exec(opened)?.[1];
  assert.ok(fd !== undefined, opened);
  const writeAt = calls.findIndex((line) => line.includes(`pwrite64(${fd},`));
  assert.ok(writeAt >= 0, `the data is written in place:\n${calls.join('\n')}`);
  const syncedOnOpen = /O_DSYNC|O_SYNC/.test(opened);
  const syncedAfter = calls
    .slice(writeAt + 1)
    .some((line) => line.includes(`fdatasync(${fd})`) || line.includes(`fsync(${fd})`));
  assert.ok(
    syncedOnOpen || syncedAfter,
    `neither O_DSYNC on open nor a sync after the write:\n${calls.join('\n')}`,
  );
  assert.equal((await readFile(path)).subarray(4096, 4111).toString(), 'elector-durable');
});

/**
 * strace -f splits a call that another thread interrupts into `<unfinished ...>` and
 * `<... name resumed>` lines: joins them into one line, placed where the call returned.
 */
function completedCalls(lines: readonly string[]): string[] {
  const pending = new Map<string, string>();
  const calls: string[] = [];
  for (const line of lines) {
    const unfinished = /^(\d+) +(.*) <unfinished \.\.\.>$/.exec(line);
    if (unfinished !== null) {
      pending.set(unfinished[1] ?? '', unfinished[2] ?? '');
      continue;
    }
    const resumed = /^(\d+) +<\.\.\. \w+ resumed>(.*)$/.exec(line);
    const pid = resumed?.[1] ?? '';
    const start = pending.get(pid);
    if (resumed !== null && start !== undefined) {
      pending.delete(pid);
      calls.push(`${pid} ${start}${resumed[2] ?? ''}`);
      continue;
    }
    calls.push(line);
  }
  return calls;
}
