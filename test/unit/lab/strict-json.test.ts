import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStrictJson, strictJsonProblems } from '../../../lab/strict-json.js';

function messages(text: string): string[] {
  return strictJsonProblems(text).map((problem) => problem.message);
}

describe('strict JSON', () => {
  it('accepts a pino line with nested objects and arrays', () => {
    const line =
      '{"level":30,"time":1,"err":{"type":"Error","cause":{"code":"X"}},"peers":[{"id":"a"},{"id":"b"}],"msg":"ok"}';
    assert.deepEqual(messages(line), []);
    assert.deepEqual(parseStrictJson(line), JSON.parse(line));
  });

  it('reports a key repeated at the top level, which JSON.parse would drop silently', () => {
    assert.deepEqual(messages('{"backend":"etcd","election":"e","backend":"etcd"}'), [
      'duplicate key "backend" in $',
    ]);
  });

  it('reports a key repeated three times once per repeat', () => {
    assert.equal(messages('{"a":1,"a":2,"a":3}').length, 2);
  });

  it('reports a duplicate inside a nested object and names its path', () => {
    assert.deepEqual(messages('{"err":{"cause":{"code":1,"code":2}}}'), [
      'duplicate key "code" in $.err.cause',
    ]);
  });

  it('reports a duplicate inside an object in an array', () => {
    assert.deepEqual(messages('{"peers":[{"id":"a"},{"id":"b","id":"c"}]}'), [
      'duplicate key "id" in $.peers[]',
    ]);
  });

  it('lets the same key appear in sibling objects', () => {
    assert.deepEqual(messages('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}'), []);
  });

  it('rejects what JSON.parse rejects and what lenient parsers let through', () => {
    for (const text of ['{"a":1,}', '{"a":1} // note', '{"a":', '', '{a:1}', '{"a":1}{"b":2}']) {
      assert.notDeepEqual(messages(text), [], text);
      assert.throws(() => parseStrictJson(text), /not strict JSON/);
    }
  });

  it('quotes the text and the duplicate in the error it throws', () => {
    assert.throws(
      () => parseStrictJson('{"id":"a","id":"b"}'),
      (error: Error) =>
        error.message.includes('duplicate key "id" in $') &&
        error.message.includes('{"id":"a","id":"b"}'),
    );
  });
});
