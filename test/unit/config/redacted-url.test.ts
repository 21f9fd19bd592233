import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { redactedUrl } from '../../../src/config/redacted-url.js';
import { ElectorError } from '../../../src/core/errors.js';
import { resolveWorkloadSettings } from '../../../src/workload/workload-settings.js';

test('a URL with user info is shown with ***@ in its place, the rest unchanged', () => {
  assert.equal(redactedUrl(new URL('https://alice:s3cret@host/x?y=1')), 'https://***@host/x?y=1');
  assert.equal(redactedUrl('https://alice:s3cret@host/x'), 'https://***@host/x');
  assert.equal(redactedUrl('http://alice@host:8080/'), 'http://***@host:8080/');
});

test('URLs without user info, and an @ past the host, are left as they are', () => {
  assert.equal(redactedUrl(new URL('http://127.0.0.1:8080/hook')), 'http://127.0.0.1:8080/hook');
  assert.equal(redactedUrl('https://host/users/@me?by=a@b'), 'https://host/users/@me?by=a@b');
  assert.equal(redactedUrl('127.0.0.1:2379'), '127.0.0.1:2379');
});

test('lists, scheme-less endpoints and text that is no URL hide what could be user info', () => {
  assert.equal(
    redactedUrl('http://alice:s3cret@h:2379,http://h2:2379'),
    'http://***@h:2379,http://h2:2379',
  );
  assert.equal(redactedUrl('alice:s3cret@h:2379'), '***@h:2379');
  assert.equal(redactedUrl('http//alice:s3cret@h/x'), 'http//***@h/x');
  assert.equal(redactedUrl('http://alice:pa/ss@h'), 'http://***@h');
});

test('a comma inside a password hides the whole password, not only what follows the comma', () => {
  assert.equal(redactedUrl('http://alice:pa,ss@h:2379'), 'http://***@h:2379');
  assert.equal(
    redactedUrl('http://alice:pa,ss@h:2379,http://h2:2379'),
    'http://***@h:2379,http://h2:2379',
  );
  assert.equal(redactedUrl('alice:pa,ss@h:2379'), '***@h:2379');
  // Scheme-less lists cannot tell a comma in a password from one between endpoints: hide more.
  assert.equal(redactedUrl('h0:2379,alice:pa,ss@h1:2379,h2:2379'), '***@h1:2379,h2:2379');
  assert.equal(redactedUrl('h0:2379,h1:2379'), 'h0:2379,h1:2379');
});

test('a refused setting is named without the user info of the URL it held', () => {
  for (const argv of [
    ['--backend', 'etcd', '--etcd-endpoints', 'http://alice:s3cret@etcd-0:2379'],
    ['--backend', 'etcd', '--etcd-endpoints', 'alice:s3cret@etcd-0:2379'],
    [
      '--backend',
      'etcd',
      '--etcd-endpoints',
      'h:2379',
      '--on-leader-url',
      'http//alice:s3cret@h/x',
    ],
    [
      '--backend',
      'etcd',
      '--etcd-endpoints',
      'h:2379',
      '--health-http-url',
      'ftp://alice:s3cret@h/',
    ],
  ]) {
    const error = configError(['--id', 'a', ...argv]);
    assert.match(error.message, /\*\*\*@/, error.message);
    assert.ok(!error.message.includes('s3cret'), error.message);
  }
});

function configError(argv: readonly string[]): Error {
  try {
    const config = loadConfig(argv, {});
    resolveWorkloadSettings(config);
  } catch (error) {
    assert.ok(error instanceof ElectorError, String(error));
    return error;
  }
  return assert.fail(`expected ${argv.join(' ')} to be refused`);
}
