import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { checkLogLines, LogLineCheck } from '../../../lab/log-line-check.js';

describe('log line check', () => {
  it('passes a pino logger whose child adds new keys only', () => {
    const check = new LogLineCheck('test logger');
    const kept: string[] = [];
    const logger = pino(
      { base: { id: 'a' } },
      check.destination((line) => kept.push(line)),
    );
    logger.child({ component: 'x' }).info({ event: 'e' }, 'hello');
    assert.equal(check.assertClean(), 1);
    assert.equal(kept.length, 1);
  });

  it('fails, quoting the line, when a child binds a key its parent already bound', () => {
    const check = new LogLineCheck('test logger');
    const logger = pino({ base: { backend: 'etcd' } }, check.destination());
    logger.child({ backend: 'etcd' }).info('hello');
    assert.throws(
      () => check.assertClean(),
      (error: Error) =>
        error.message.includes('test logger: 1 of 1 log lines') &&
        error.message.includes('duplicate key "backend" in $') &&
        error.message.includes('"msg":"hello"'),
    );
  });

  it('checks lines split across chunks, even inside a character, once their newline arrives', () => {
    const stream = new PassThrough();
    const check = checkLogLines(stream, 'member-0');
    stream.write('{"a":1,"b"');
    stream.write(':2}\n{"c":3,"');
    const accented = Buffer.from('é');
    stream.write(accented.subarray(0, 1));
    stream.write(Buffer.concat([accented.subarray(1), Buffer.from('":"x","c":4}')]));
    assert.deepEqual(check.problems(), [], 'nothing judged before the newline');
    stream.write('\n{"cut short by a ki');
    assert.throws(
      () => check.assertClean(),
      /1 of 2 log lines.*\n.*duplicate key "c" in \$: \{"c":3,"é":"x","c":4\}/,
    );
  });

  it('forgets the failures it reported, so the next test is not blamed for them', () => {
    const check = new LogLineCheck('cli');
    check.feed('{"a":1,"a":2}\n');
    assert.match(check.takeReport() ?? '', /duplicate key "a"/);
    assert.equal(check.takeReport(), null);
    check.feed('{"a":1}\n');
    assert.equal(check.assertClean(), 2);
  });

  it('fails on a line that is not a JSON object', () => {
    const check = new LogLineCheck('cli');
    check.feed('plain text\n"a string"\n\n');
    assert.equal(check.problems().length, 2);
    assert.throws(() => check.assertClean(), /2 of 2 log lines/);
  });
});
