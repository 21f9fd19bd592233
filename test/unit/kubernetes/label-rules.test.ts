import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  validateAnnotationKey,
  validateConditionType,
  validateLabelKey,
  validateLabelValue,
} from '../../../src/kubernetes/label-rules.js';

describe('label key validation', () => {
  test('keys the apiserver accepts are accepted', () => {
    for (const key of [
      'elector.io/role',
      'role',
      'app.kubernetes.io/name',
      'a',
      'My_Role-1.x',
      'a'.repeat(63),
      `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(61)}/x`,
    ]) {
      assert.equal(validateLabelKey(key), null, key);
    }
  });

  test('an empty key is refused because its name part is empty', () => {
    assert.equal(validateLabelKey(''), 'label key "": the name part is empty');
  });

  test('a key with two slashes is refused with the expected shape', () => {
    assert.match(
      validateLabelKey('a/b/c') ?? '',
      /^label key "a\/b\/c" contains more than one "\/"/,
    );
  });

  test('a prefix that is not a lowercase DNS subdomain is refused, naming the prefix', () => {
    assert.match(
      validateLabelKey('Elector.io/role') ?? '',
      /the prefix "Elector\.io" is not a lowercase RFC 1123 subdomain/,
    );
    assert.match(validateLabelKey('/role') ?? '', /the prefix "" is empty/);
    assert.match(validateLabelKey('elector..io/role') ?? '', /not a lowercase RFC 1123 subdomain/);
    assert.match(validateLabelKey(`${'a'.repeat(254)}/role`) ?? '', /the limit is 253/);
  });

  test('a name part over 63 characters is refused with its length', () => {
    assert.equal(
      validateLabelKey(`elector.io/${'r'.repeat(64)}`),
      `label key "elector.io/${'r'.repeat(64)}": the name part "${'r'.repeat(64)}" is 64 characters long; the limit is 63`,
    );
  });

  test('a name part with a bad character or a non-alphanumeric end is refused, stating the rule', () => {
    for (const key of ['elector.io/role!', 'elector.io/-role', 'role_', 'ro le', 'elector.io/']) {
      const problem = validateLabelKey(key);
      assert.ok(problem !== null, key);
      assert.ok(problem.includes(`"${key}"`), problem);
    }
    assert.match(
      validateLabelKey('elector.io/role!') ?? '',
      /must be at most 63 characters of letters, digits, '-', '_' and '\.', starting and ending with a letter or digit/,
    );
  });
});

describe('other names the writer checks', () => {
  test('label values may be empty and otherwise follow the name-part rule', () => {
    assert.equal(validateLabelValue(''), null);
    assert.equal(validateLabelValue('orders'), null);
    assert.match(validateLabelValue('orders/eu') ?? '', /^label value "orders\/eu" must be/);
    assert.match(validateLabelValue('x'.repeat(64)) ?? '', /the limit is 63/);
  });

  test('annotation keys are checked case-insensitively in the prefix, as the apiserver does', () => {
    assert.equal(validateAnnotationKey('elector.io/fencing-token'), null);
    assert.equal(validateAnnotationKey('Elector.IO/Token'), null);
    assert.match(validateAnnotationKey('elector.io/a/b') ?? '', /^annotation key/);
  });

  test('a readiness condition type must be a qualified name', () => {
    assert.equal(validateConditionType('elector.io/leader'), null);
    assert.match(
      validateConditionType('elector.io/is leader') ?? '',
      /^pod condition type "elector\.io\/is leader"/,
    );
  });
});
