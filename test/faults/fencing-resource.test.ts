import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FencingResource, writeFenced } from '../../lab/fencing-resource.js';

describe('the fenced demo resource', () => {
  let resource: FencingResource;
  before(async () => {
    resource = await FencingResource.start();
  });
  after(() => resource.stop());

  test('accepts writes whose token is at least the highest seen, and rejects older ones', async () => {
    assert.deepEqual(await writeFenced(resource.url, 3, 'a'), { isAccepted: true, highest: 3 });
    assert.deepEqual(await writeFenced(resource.url, 3, 'a'), { isAccepted: true, highest: 3 });
    assert.deepEqual(await writeFenced(resource.url, 5, 'b'), { isAccepted: true, highest: 5 });
    assert.deepEqual(await writeFenced(resource.url, 3, 'a'), { isAccepted: false, highest: 5 });
    assert.equal(resource.highest, 5);
    assert.deepEqual(
      resource.writes.map((write) => [write.writer, write.token, write.isAccepted]),
      [
        ['a', 3, true],
        ['a', 3, true],
        ['b', 5, true],
        ['a', 3, false],
      ],
    );
    assert.deepEqual(resource.sharedTokens(), []);
  });

  test('answers 409 to a stale token and 400 to a malformed write', async () => {
    const stale = await fetch(`${resource.url}/write`, {
      method: 'POST',
      body: JSON.stringify({ token: 1, writer: 'a' }),
    });
    assert.equal(stale.status, 409);
    const malformed = await fetch(`${resource.url}/write`, {
      method: 'POST',
      body: '{"token":"x"}',
    });
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { error: string }).error, /"token": <integer ≥ 0>/);
  });

  test('names a token that two writers both had accepted', async () => {
    await writeFenced(resource.url, 7, 'a');
    await writeFenced(resource.url, 7, 'b');
    assert.deepEqual(resource.sharedTokens(), [{ token: 7, writers: ['a', 'b'] }]);
  });
});
