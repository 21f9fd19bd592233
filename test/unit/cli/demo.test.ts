import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { runDemo } from '../../../src/cli/demo.js';

/** Runs `elector demo` with `argv`, returning its exit code and what it wrote to stderr. */
async function demo(argv: readonly string[]): Promise<{ code: number; stderr: string }> {
  const written: string[] = [];
  const write = mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { code: await runDemo(argv), stderr: written.join('') };
  } finally {
    write.mock.restore();
  }
}

test('elector demo refuses a repeated flag as elector run does, naming it and both values', async () => {
  // The second value alone would also be refused (4 members), so a last-wins reading fails here.
  const { code, stderr } = await demo(['--members', '3', '--members=4']);
  assert.equal(code, 2);
  assert.equal(stderr, '--members: given twice ("3" and "4"); give it once\n');
});

test('elector demo refuses a member count other than 1, 3, 5 or 7', async () => {
  const { code, stderr } = await demo(['--members', '2']);
  assert.equal(code, 2);
  assert.equal(stderr, '--members: expected one of 1, 3, 5, 7; got "2"\n');
});
