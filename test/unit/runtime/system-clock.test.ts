import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const clockModule = fileURLToPath(new URL('../../../src/runtime/system-clock.ts', import.meta.url));

test('timers neither keep the process alive, pending or cancelled, nor lose their callback', () => {
  // Cancelling re-refs the timer before clearing it (see system-clock.ts): that must not leave
  // the process held open. Each process would otherwise wait a minute for its timers.
  const script = `
    import { systemClock } from ${JSON.stringify(clockModule)};
    for (let i = 0; i < 100; i++) systemClock.setTimer(60_000 + i, () => {})();
    systemClock.setTimer(60_000, () => {});
    systemClock.setTimer(5, () => console.log('fired'));
    setTimeout(() => console.log('done'), 20);
  `;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  assert.equal(run.error, undefined, 'the process ended on its own');
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), ['fired', 'done']);
});
