import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatHostPort, parseHostPort, unbracketHost } from '../../../src/config/host-port.js';

const port = fc.integer({ min: 0, max: 65535 });

test('names, IPv4 and bracketed IPv6 literals are read; the brackets are dropped', () => {
  assert.deepEqual(parseHostPort('10.0.0.7:7946'), { host: '10.0.0.7', port: 7946 });
  assert.deepEqual(parseHostPort('zk-0.zk.ns.svc:2181'), { host: 'zk-0.zk.ns.svc', port: 2181 });
  assert.deepEqual(parseHostPort('[::1]:7946'), { host: '::1', port: 7946 });
  assert.deepEqual(parseHostPort('[fe80::1%eth0]:1'), { host: 'fe80::1%eth0', port: 1 }, 'a zone');
  assert.deepEqual(parseHostPort('[::ffff:10.0.0.7]:80'), { host: '::ffff:10.0.0.7', port: 80 });
});

test('an unbracketed IPv6 literal, a missing port or a port over 65535 is refused', () => {
  for (const text of [
    '::1:7946',
    '[::1]',
    '[::1]7946',
    'host',
    'host:',
    ':80',
    'host:65536',
    '[zz::1]:1',
    '[]:1',
    'a b:1',
  ]) {
    assert.equal(parseHostPort(text), null, text);
  }
});

test('property: an IPv6 address written back is read as the same address', () => {
  fc.assert(
    fc.property(fc.ipV6(), port, (host, portNumber) => {
      const text = formatHostPort({ host, port: portNumber });
      assert.ok(text.startsWith('['), text);
      assert.deepEqual(parseHostPort(text), { host, port: portNumber });
    }),
  );
});

test('property: an IPv4 address or a domain name written back is read as the same', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.domain()), port, (host, portNumber) => {
      assert.deepEqual(parseHostPort(formatHostPort({ host, port: portNumber })), {
        host,
        port: portNumber,
      });
    }),
  );
});

test('a listen host loses the brackets of an IPv6 literal and nothing else', () => {
  assert.equal(unbracketHost('[::1]'), '::1');
  assert.equal(unbracketHost('::'), '::');
  assert.equal(unbracketHost('0.0.0.0'), '0.0.0.0');
  assert.equal(unbracketHost('[not-ipv6]'), '[not-ipv6]');
});
